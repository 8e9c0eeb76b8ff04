import { PushSequencer } from '../../../src/modules/message/push-sequencer';

describe('PushSequencer', () => {
  it('publishes in seq order when stores settle out of order', () => {
    const s = new PushSequencer();
    const out: number[] = [];
    const a = s.begin('c');
    const b = s.begin('c');
    const c = s.begin('c');
    c.stored(3, () => out.push(3));
    b.stored(2, () => out.push(2));
    expect(out).toEqual([]); // seq 1 may still come from ticket a
    a.stored(1, () => out.push(1));
    expect(out).toEqual([1, 2, 3]);
    expect(s.heldPushes).toBe(0);
  });

  it('does not wait for a cancelled store or for seqs of other processes', () => {
    const s = new PushSequencer();
    const out: number[] = [];
    const a = s.begin('c');
    const b = s.begin('c');
    b.stored(7, () => out.push(7)); // 5 and 6 were taken elsewhere
    expect(out).toEqual([]);
    a.cancelled();
    expect(out).toEqual([7]);
  });

  it('never lets later sends delay an earlier settled push (no starvation)', () => {
    const s = new PushSequencer();
    const out: number[] = [];
    const a = s.begin('c');
    a.stored(1, () => out.push(1));
    expect(out).toEqual([1]);
    const b = s.begin('c');
    const during = s.begin('c'); // in flight when b settles: it might hold a lower seq, b waits
    b.stored(3, () => out.push(3));
    expect(out).toEqual([1]);
    const later = s.begin('c'); // begins after seq 3 settled: can only get a higher seq
    during.stored(2, () => out.push(2));
    expect(out).toEqual([1, 2, 3]);
    later.stored(4, () => out.push(4));
    expect(out).toEqual([1, 2, 3, 4]);
  });

  it('holds a push only for stores that were in flight when it settled', () => {
    const s = new PushSequencer();
    const out: number[] = [];
    const slow = s.begin('c');
    const fast = s.begin('c');
    fast.stored(2, () => out.push(2));
    const newcomer = s.begin('c');
    slow.stored(1, () => out.push(1));
    expect(out).toEqual([1, 2]); // the newcomer began after seq 2 settled: no reason to wait
    newcomer.stored(3, () => out.push(3));
    expect(out).toEqual([1, 2, 3]);
  });

  it('keeps conversations independent and settles each ticket once', () => {
    const s = new PushSequencer();
    const out: string[] = [];
    const x = s.begin('x');
    const y = s.begin('y');
    y.stored(1, () => out.push('y1'));
    expect(out).toEqual(['y1']);
    x.stored(4, () => out.push('x4'));
    x.stored(5, () => out.push('x5'));
    x.cancelled();
    expect(out).toEqual(['y1', 'x4']);
  });
});
