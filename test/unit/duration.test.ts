import { durationMs, formatDuration } from '../../runbooks';

describe('durations', () => {
  it.each([
    ['90s', 90_000], ['15m', 900_000], ['4h', 14_400_000], ['1d', 86_400_000], ['1h30m', 5_400_000], ['250ms', 250], ['0s', 0],
  ])('%s is %d ms', (text, ms) => expect(durationMs(text)).toBe(ms));

  it.each(['', '15', 'm', '1.5h', '-5m', '15 m', '1w'])('rejects %p', (text) => expect(() => durationMs(text)).toThrow('not a duration'));

  it('formats for people', () => {
    expect(formatDuration(0)).toBe('0s');
    expect(formatDuration(400)).toBe('400ms');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(3_723_000)).toBe('1h2m3s');
    expect(formatDuration(-61_000)).toBe('-1m1s');
  });
});
