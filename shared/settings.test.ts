import { describe, expect, it } from 'vitest';
import { SettingsPatchSchema, fieldErrors } from './settings';

describe('fieldErrors', () => {
  it('names every refused field, even one called __proto__', () => {
    // JSON.parse makes "__proto__" an own key, as a client's message would.
    const parsed = SettingsPatchSchema.safeParse(JSON.parse('{"__proto__":{},"values":{"audio":{"__proto__":1,"silenceMs":3}}}'));
    expect(parsed.success).toBe(false);
    const errors = fieldErrors(parsed.error!);
    expect(Object.keys(errors).sort()).toEqual(['__proto__', 'audio.__proto__', 'audio.silenceMs'].sort());
    expect(Object.getPrototypeOf(errors)).toBe(Object.prototype);
  });

  it('keeps the first message of a field', () => {
    const parsed = SettingsPatchSchema.safeParse({ values: { audio: { silenceMs: 'soon' } } });
    const errors = fieldErrors(parsed.error!);
    expect(Object.keys(errors)).toEqual(['audio.silenceMs']);
    expect(errors['audio.silenceMs']!.length).toBeGreaterThan(0);
  });
});
