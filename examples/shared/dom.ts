// The page's own elements, by id, for both example pages.

/** The element with this id; a page without it is a broken page, so this throws. */
export function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}
