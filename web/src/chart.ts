// uPlot (bundled, ~50 KB) behind one helper: a chart with units on every
// axis, sized to its container, redrawn with new data in place.
import uPlot from 'uplot';
import { h } from './dom';

export interface SeriesSpec {
  label: string;
  stroke: string;
  fill?: string;
  scale?: string;
  bars?: boolean;
  stepped?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  xTime?: boolean;
  // xPad: half-width of the x range shown around a single point (x units).
  xPad?: number;
  xIntegers?: boolean; // ticks only at whole numbers (block heights)
  axes: { scale: string; label: string; side?: 'left' | 'right' }[];
  series: SeriesSpec[];
}

export class Chart {
  readonly el: HTMLElement;
  private plot: uPlot | null = null;
  private data: uPlot.AlignedData = [[]];
  private observer: ResizeObserver;

  constructor(private spec: ChartSpec, id: string) {
    this.el = h('figure', { class: 'chart', id },
      h('figcaption', null, spec.title));
    this.observer = new ResizeObserver(() => this.resize());
    this.observer.observe(this.el);
  }

  private width(): number {
    return Math.max(260, Math.floor(this.el.clientWidth || 600) - 4);
  }

  private build() {
    const s = this.spec;
    const bars = uPlot.paths.bars ? uPlot.paths.bars({ size: [0.6, 40] }) : undefined;
    const stepped = uPlot.paths.stepped ? uPlot.paths.stepped({ align: 1 }) : undefined;
    const opts: uPlot.Options = {
      width: this.width(),
      height: 220,
      scales: {
        x: { time: !!s.xTime, range: (_u, min, max) => (min === max ? [min - (s.xPad ?? 1), max + (s.xPad ?? 1)] : [min, max]) },
        // Energy, volume and counts start at zero, so bar heights compare.
        ...Object.fromEntries(s.axes.map((a) => [a.scale, { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? max * 1.1 : 1] as uPlot.Range.MinMax }])),
      },
      axes: [
        { label: s.xLabel, stroke: '#333', grid: { stroke: '#e5e5e5' }, incrs: s.xIntegers ? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000] : undefined },
        ...s.axes.map((a) => ({
          scale: a.scale, label: a.label, side: a.side === 'right' ? 1 : 3,
          stroke: '#333', grid: { show: a.side !== 'right', stroke: '#e5e5e5' }, size: 70,
        })),
      ],
      series: [
        { label: s.xLabel },
        ...s.series.map((x) => ({
          label: x.label, stroke: x.stroke, fill: x.fill, width: 2, scale: x.scale ?? s.axes[0].scale,
          paths: x.bars ? bars : x.stepped ? stepped : undefined, points: { show: !x.bars },
        })),
      ],
      legend: { live: false },
    };
    this.plot = new uPlot(opts, this.data, this.el);
  }

  set(data: (number | null)[][]) {
    this.data = data as uPlot.AlignedData;
    if (!this.plot) {
      if (!this.el.isConnected) return;
      this.build();
    } else {
      this.plot.setData(this.data);
    }
  }

  private resize() {
    if (!this.plot && this.el.isConnected && (this.data[0] as number[]).length) this.build();
    this.plot?.setSize({ width: this.width(), height: 220 });
  }

  destroy() {
    this.observer.disconnect();
    this.plot?.destroy();
  }
}
