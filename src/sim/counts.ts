/**
 * A histogram of small non-negative integers (slots busy, calls in flight, queue depth), sampled at a
 * fixed interval: exact mean and percentiles of the sampled values without keeping the samples.
 */
export class IntHistogram {
  private counts = new Float64Array(64);
  private n = 0;
  private sum = 0;
  private maxSeen = 0;

  record(v: number): void {
    const i = v < 0 ? 0 : Math.round(v);
    if (i >= this.counts.length) {
      const next = new Float64Array(Math.max(i + 1, this.counts.length * 2));
      next.set(this.counts);
      this.counts = next;
    }
    this.counts[i]!++;
    this.n++;
    this.sum += i;
    if (i > this.maxSeen) this.maxSeen = i;
  }

  get count(): number {
    return this.n;
  }

  get mean(): number {
    return this.n === 0 ? 0 : this.sum / this.n;
  }

  get max(): number {
    return this.maxSeen;
  }

  percentile(p: number): number {
    if (this.n === 0) return 0;
    const rank = Math.ceil((p / 100) * this.n);
    let acc = 0;
    for (let i = 0; i <= this.maxSeen; i++) {
      acc += this.counts[i]!;
      if (acc >= rank) return i;
    }
    return this.maxSeen;
  }
}

/** Min-heap of end times, to know how many calls are in flight at a sampling instant. */
export class EndTimes {
  private h: number[] = [];

  get size(): number {
    return this.h.length;
  }

  push(t: number): void {
    const h = this.h;
    let i = h.length;
    h.push(t);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]! <= t) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = t;
  }

  /** Drops every end time ≤ t. */
  popUntil(t: number): void {
    const h = this.h;
    while (h.length > 0 && h[0]! <= t) {
      const last = h.pop()!;
      if (h.length === 0) break;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]! < h[l]! ? r : l;
        if (h[c]! >= last) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
  }
}
