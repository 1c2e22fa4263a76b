/**
 * A day picked in a date input (YYYY-MM-DD) as the ISO time of the local midnight it starts at;
 * `after` gives the next day's, so a range of whole days ends after its last day.
 * @example dayStart('2026-03-01', true) // local midnight starting 2026-03-02, as ISO
 */
export function dayStart(day: string, after = false): string {
  const date = new Date(`${day}T00:00:00`);
  if (after) date.setDate(date.getDate() + 1);
  return date.toISOString();
}
