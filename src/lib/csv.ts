/** What every CSV file this system writes shares: the user list, the audit export, the template. */

/**
 * SPEC D-10 (OWASP "CSV Injection"): a spreadsheet reads a cell starting with = + - @,
 * tab or CR as a formula; a leading single quote makes it plain text.
 */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/**
 * RFC 6266 / RFC 5987: `filename*` carries the Japanese name in UTF-8, and `filename`
 * an ASCII fallback for clients that do not read `filename*`. Also used by the bulk
 * registration's template download (SPEC §4.12).
 */
export function attachmentDisposition(fileName: string, asciiFallback: string): string {
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${asciiFallback}"; filename*=UTF-8''${encoded}`;
}
