/** An opaque colour as red, green, blue (0–255) and alpha; or as CSS gives it, `rgb(…)`/`rgba(…)`. */
export type Rgba = [number, number, number, number];

function channels(colour: Rgba | string): number[] {
  return typeof colour === 'string' ? (colour.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number) : colour;
}

/** WCAG 2.x relative luminance. */
function luminance(colour: Rgba | string): number {
  const [r, g, b] = channels(colour).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2.x contrast ratio of two opaque colours (1 to 21). */
export function contrast(a: Rgba | string, b: Rgba | string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
