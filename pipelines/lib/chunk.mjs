/**
 * Splits a text into chunks of whole sentences, each at most `size`
 * characters where the sentences allow it. Used by document-digest.yaml.
 */
export function chunkText({ text, size }) {
  const limit = Number(size) > 0 ? Number(size) : 400;
  const sentences = String(text).match(/[^.!?]+[.!?]*\s*/g) ?? [];
  const chunks = [];
  let current = "";
  for (const sentence of sentences) {
    if (current !== "" && current.length + sentence.length > limit) {
      chunks.push(current.trim());
      current = "";
    }
    current += sentence;
  }
  if (current.trim() !== "") chunks.push(current.trim());
  return chunks;
}

/** Counts words, so the digest can report the document's length. */
export async function countWords({ text }) {
  return String(text).split(/\s+/).filter(Boolean).length;
}
