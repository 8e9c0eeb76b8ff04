/**
 * The one rule for file names, shared by file/request, `file-ref` contents and attachments (no
 * imports: extensions.ts uses it). A file name is shown to other people and may be saved under that name (#18.11): a base name,
 * not "." or "..", without path separators, NUL and other C0/C1 control characters (ESC and CR
 * rewrite a terminal), bidirectional controls (U+202E makes "cod.exe" read "exe.doc") or line
 * separators. The server also normalises it to NFC.
 */
export const FILE_NAME_PATTERN = /^(?!\.\.?$)[^/\\\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069\u2028\u2029]+$/;
export const FILE_NAME_RULE =
  'a base name (not "." or "..") without "/", "\\", control characters (U+0000–U+001F, U+007F–U+009F), bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) or line separators (U+2028, U+2029)';
