// One chart of the back office's statistics: Chart.js (only the bar and
// line parts are registered, so the bundle carries no more), no animation
// (calm, and the drawn state is the final one).  The chart instance is
// kept on its canvas as `sbChart` so the browser tests read the chart's
// data (points, bars), never pixels.
import { useEffect, useRef } from "preact/hooks";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { currentLang } from "../i18n";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

const COLOURS = ["#2b6cb0", "#2f855a", "#c05621", "#6b46c1", "#b83280"];

export interface Series {
  label: string;
  data: number[];
  type?: "bar" | "line";
}

export function ChartBox({
  id,
  title,
  labels,
  series,
  horizontal = false,
  stackless = true,
}: {
  id: string;
  title: string;
  labels: string[];
  series: Series[];
  horizontal?: boolean;
  stackless?: boolean;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  const key = JSON.stringify([labels, series, horizontal, currentLang()]);
  useEffect(() => {
    const canvas = ref.current!;
    const chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels,
        datasets: series.map((s, i) => ({
          type: s.type ?? "bar",
          label: s.label,
          data: s.data,
          backgroundColor: COLOURS[i % COLOURS.length],
          borderColor: COLOURS[i % COLOURS.length],
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        locale: currentLang() === "de" ? "de-DE" : "en",
        plugins: { legend: { display: series.length > 1 } },
        scales: {
          [horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { precision: 0 }, stacked: !stackless },
        },
      },
    });
    (canvas as unknown as { sbChart: Chart }).sbChart = chart;
    return () => chart.destroy();
  }, [key]);
  return (
    <figure class="chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>{title}</figcaption>
      <div class="chart-box">
        <canvas id={id} ref={ref} role="img" aria-label={title} />
      </div>
    </figure>
  );
}
