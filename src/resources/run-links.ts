/**
 * Links each call's own AbortController to the run's signal with a single
 * abort listener per run signal, instead of one listener added and removed
 * for every call. The listener aborts every linked controller with the run
 * signal's reason.
 */
export class RunLinks {
  private readonly linked = new WeakMap<AbortSignal, Set<AbortController>>();

  /** Links `controller` to `runSignal`; aborts it at once when the run is already stopped. */
  link(runSignal: AbortSignal, controller: AbortController): void {
    if (runSignal.aborted) {
      controller.abort(runSignal.reason);
      return;
    }
    let controllers = this.linked.get(runSignal);
    if (controllers === undefined) {
      const created = new Set<AbortController>();
      runSignal.addEventListener(
        "abort",
        () => {
          for (const linked of created) linked.abort(runSignal.reason);
          created.clear();
        },
        { once: true },
      );
      this.linked.set(runSignal, created);
      controllers = created;
    }
    controllers.add(controller);
  }

  /** Unlinks a controller whose call has settled. */
  unlink(runSignal: AbortSignal, controller: AbortController): void {
    this.linked.get(runSignal)?.delete(controller);
  }
}
