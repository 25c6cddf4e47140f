/** What the content script returns for a page (extraction, issue #5, builds on this shape). */
export interface PageExtract {
  url: string;
  title: string;
  lang: string;
  byline: string | null;
  /** Visible, readable text of the page (hidden and off-screen text dropped). */
  text: string;
  /** The user's current selection, when there is one. */
  selection: string | null;
}
