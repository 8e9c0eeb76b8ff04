import { PresenceDebouncer } from '../../../src/modules/presence/presence-debouncer';

describe('PresenceDebouncer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('flushes once per window with the number of coalesced changes', () => {
    const flushed: [string, number][] = [];
    const d = new PresenceDebouncer(1000, (key, changes) => flushed.push([key, changes]));
    d.mark('u-a');
    jest.advanceTimersByTime(400);
    d.mark('u-a');
    d.mark('u-a');
    expect(flushed).toEqual([]);
    jest.advanceTimersByTime(599);
    expect(flushed).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(flushed).toEqual([['u-a', 3]]);
    expect(d.pendingKeys).toBe(0);
  });

  it('uses a fixed window: changes keep coming, flushes still happen every window', () => {
    const flushed: number[] = [];
    const d = new PresenceDebouncer(100, (_k, changes) => flushed.push(changes));
    for (let i = 0; i < 25; i++) {
      d.mark('u-a');
      jest.advanceTimersByTime(10);
    }
    // 250 ms of changes every 10 ms: windows closed at 100 and 200 ms, one still open.
    expect(flushed).toEqual([10, 10]);
    jest.advanceTimersByTime(100);
    expect(flushed).toEqual([10, 10, 5]);
  });

  it('keeps users independent', () => {
    const flushed: string[] = [];
    const d = new PresenceDebouncer(100, (key) => flushed.push(key));
    d.mark('u-a');
    jest.advanceTimersByTime(50);
    d.mark('u-b');
    jest.advanceTimersByTime(50);
    expect(flushed).toEqual(['u-a']);
    jest.advanceTimersByTime(50);
    expect(flushed).toEqual(['u-a', 'u-b']);
  });

  it('cancelAll drops pending windows without flushing', () => {
    const flush = jest.fn();
    const d = new PresenceDebouncer(100, flush);
    d.mark('u-a');
    d.cancelAll();
    jest.advanceTimersByTime(1000);
    expect(flush).not.toHaveBeenCalled();
  });
});
