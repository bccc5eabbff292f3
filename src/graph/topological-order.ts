/** A node as ordering sees it: its id and the ids it reads. */
export interface Vertex {
  id: string;
  deps: readonly string[];
}

/**
 * Orders vertices so that each comes after its deps, keeping the given order
 * wherever the deps allow (Kahn's algorithm, always taking the earliest
 * ready vertex). Deps that are not vertices are ignored. Throws on a cycle,
 * which callers rule out first with findCycles.
 */
export function sortTopologically<T extends Vertex>(vertices: readonly T[]): T[] {
  const position = new Map(vertices.map((vertex, i) => [vertex.id, i]));
  const waitingOn: number[] = [];
  const dependents = new Map<string, number[]>();
  vertices.forEach((vertex, i) => {
    const deps = new Set(vertex.deps.filter((dep) => position.has(dep)));
    waitingOn.push(deps.size);
    for (const dep of deps) {
      const list = dependents.get(dep) ?? [];
      list.push(i);
      dependents.set(dep, list);
    }
  });

  const sorted: T[] = [];
  const ready = new Set<number>();
  waitingOn.forEach((count, i) => count === 0 && ready.add(i));
  while (ready.size > 0) {
    const next = Math.min(...ready);
    ready.delete(next);
    const vertex = vertices[next]!;
    sorted.push(vertex);
    for (const dependent of dependents.get(vertex.id) ?? []) {
      waitingOn[dependent]!--;
      if (waitingOn[dependent] === 0) ready.add(dependent);
    }
  }
  if (sorted.length !== vertices.length) {
    throw new Error("cannot order a graph that has a cycle");
  }
  return sorted;
}

/**
 * Finds cycles by depth-first search. Each is returned once, as the chain
 * of ids from its first vertex back to itself, each depending on the next:
 * [a, b, a] when a reads b and b reads a.
 */
export function findCycles(vertices: readonly Vertex[]): string[][] {
  const byId = new Map(vertices.map((vertex) => [vertex.id, vertex]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const cycles: string[][] = [];

  const visit = (id: string): void => {
    state.set(id, "visiting");
    stack.push(id);
    for (const dep of byId.get(id)?.deps ?? []) {
      if (!byId.has(dep)) continue;
      if (state.get(dep) === "visiting") {
        cycles.push([...stack.slice(stack.indexOf(dep)), dep]);
      } else if (!state.has(dep)) {
        visit(dep);
      }
    }
    stack.pop();
    state.set(id, "done");
  };
  for (const vertex of vertices) if (!state.has(vertex.id)) visit(vertex.id);
  return cycles;
}
