/**
 * A short name of the browser and system of a session (ASVS V7.5.2: the user recognises
 * their own sessions). A guess from the User-Agent header, shown beside the address.
 */
export function describeUserAgent(userAgent: string): string {
  const ua = userAgent;
  if (!ua) return '不明';
  const browser = /Edg\//.test(ua)
    ? 'Microsoft Edge'
    : /OPR\//.test(ua)
      ? 'Opera'
      : /Firefox\//.test(ua)
        ? 'Firefox'
        : /(Chrome|Chromium|CriOS)\//.test(ua)
          ? 'Chrome'
          : /Safari\//.test(ua) && /Version\//.test(ua)
            ? 'Safari'
            : undefined;
  const system = /Windows/.test(ua)
    ? 'Windows'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Android/.test(ua)
        ? 'Android'
        : /Mac OS X|Macintosh/.test(ua)
          ? 'macOS'
          : /CrOS/.test(ua)
            ? 'ChromeOS'
            : /Linux/.test(ua)
              ? 'Linux'
              : undefined;
  if (!browser && !system) return ua.slice(0, 60);
  return [browser ?? 'ブラウザ不明', system].filter(Boolean).join(' / ');
}
