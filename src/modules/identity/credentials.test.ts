import { describe, expect, it } from 'vitest';
import { cookieValue } from './credentials.js';

describe('cookieValue', () => {
  it('reads one cookie from a Cookie header', () => {
    expect(cookieValue('a=1; access_token=abc.def; b=2', 'access_token')).toBe('abc.def');
    expect(cookieValue('access_token="quoted%20value"', 'access_token')).toBe('quoted value');
    expect(cookieValue('x_access_token=no; access_token=yes', 'access_token')).toBe('yes');
    expect(cookieValue('access_token=first; access_token=second', 'access_token')).toBe('first');
  });

  it('answers undefined for a missing cookie and keeps a bad escape as sent', () => {
    expect(cookieValue(undefined, 'access_token')).toBeUndefined();
    expect(cookieValue('other=1; broken', 'access_token')).toBeUndefined();
    expect(cookieValue('access_token=%E0%A4%A', 'access_token')).toBe('%E0%A4%A');
  });
});
