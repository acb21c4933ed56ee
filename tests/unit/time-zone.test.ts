import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatInZone, isValidTimeZone, localizeTimestamps } from "../../server/http/time-zone.ts";

describe("time zone of API responses", () => {
  it("shows a UTC instant with the zone's offset, same instant", () => {
    const shown = formatInZone("2026-11-23T06:33:00.123Z", "Asia/Shanghai");
    assert.equal(shown, "2026-11-23T14:33:00.123+08:00");
    assert.equal(new Date(shown).toISOString(), "2026-11-23T06:33:00.123Z");
  });

  it("follows daylight saving time", () => {
    assert.equal(formatInZone("2026-07-01T12:00:00.000Z", "Europe/Berlin"), "2026-07-01T14:00:00.000+02:00");
    assert.equal(formatInZone("2026-01-01T12:00:00.000Z", "Europe/Berlin"), "2026-01-01T13:00:00.000+01:00");
    assert.equal(formatInZone("2026-01-01T00:30:00.000Z", "America/New_York"), "2025-12-31T19:30:00.000-05:00");
  });

  it("rewrites only ISO timestamps, deep inside a body, and leaves UTC alone", () => {
    const body = { inventories: [{ createDate: "2026-11-23T06:33:00.000Z", name: "2026-11-23T06:33:00.000Z-ish", n: 3 }] };
    assert.deepEqual(localizeTimestamps(body, "Asia/Tokyo"),
      { inventories: [{ createDate: "2026-11-23T15:33:00.000+09:00", name: "2026-11-23T06:33:00.000Z-ish", n: 3 }] });
    assert.equal(localizeTimestamps(body, "UTC"), body);
  });

  it("knows IANA names and refuses others", () => {
    assert.equal(isValidTimeZone("Asia/Shanghai"), true);
    assert.equal(isValidTimeZone("Mars/Olympus"), false);
  });
});
