import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'react';

import type { Series } from './stats';

// Only the parts a stacked bar chart needs, so the dashboard's chunk stays small.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

export interface BarChartProps {
  /** Accessible name of the chart (the canvas is an image to assistive technology). */
  label: string;
  /** The x-axis labels, one per bar. */
  labels: readonly string[];
  series: readonly (Series & { name: string; color: string })[];
}

/** Stacked bars per day (chart.js on a canvas). */
export function BarChart({ label, labels, series }: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const element = canvas.current;
    if (element === null) return;
    const chart = new Chart(element, {
      type: 'bar',
      data: {
        labels: [...labels],
        datasets: series.map((s) => ({ label: s.name, data: [...s.counts], backgroundColor: s.color })),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    return () => {
      chart.destroy();
    };
  }, [labels, series]);
  return (
    <div style={{ position: 'relative', height: 260 }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
