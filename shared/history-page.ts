/**
 * A saved conversation travels to the page in pages of entries, each a
 * message of its own: a long conversation opens at once and the rest comes
 * on request, and no message passes MAX_MESSAGE_BYTES whatever was said.
 */

/** Most entries in one page: a screenful many times over, and few enough to render at once. */
export const HISTORY_PAGE_ENTRIES = 500;
/** Room a page's entries may take, well under MAX_MESSAGE_BYTES (64 KiB) with the envelope and the summary. */
export const HISTORY_PAGE_BYTES = 56 * 1024;
