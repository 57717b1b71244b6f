// The planner page's charts, drawn with Chart.js (and chartjs-chart-matrix for heat maps) from the
// tables the page already shows (planning/templates/planning/_figure.html): numbers come from
// each cell's data-value (the raw figure), labels and tooltips from the cells' text (formatted
// by the server for the reader's language). A file of its own, since the Content-Security-Policy
// runs no script written into a page. Without Chart.js (not vendored yet) the tables stay as
// they are: nothing here is needed to read the figures.
(() => {
  const Chart = window.Chart;
  if (!Chart) return;

  // Each at least 3:1 against white (WCAG 1.4.11), told apart by dash and point shape as well.
  const SERIES = [
    { color: "#0b4f8a", dash: [], point: "circle" },
    { color: "#b35900", dash: [6, 4], point: "rect" },
    { color: "#1d6b2f", dash: [2, 3], point: "triangle" },
    { color: "#a4161a", dash: [10, 3, 2, 3], point: "rectRot" },
    { color: "#6a3d9a", dash: [12, 4], point: "star" },
    { color: "#4a4a4a", dash: [4, 2], point: "crossRot" },
  ];
  // The heat map's ramp, from few to many contacts; hotline.css draws the same ramp in its legend.
  const LOW = [232, 240, 248];
  const HIGH = [8, 58, 102];
  const OPEN_RING = "#1a1a1a"; // the current hours: a dark ring with a white one inside, so
  const OPEN_INNER = "#ffffff"; // one of the two stands out on the lightest and the darkest cell

  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const locale = document.documentElement.lang || "de";
  const page = getComputedStyle(document.body);
  Chart.defaults.color = page.color; // the page's ink (hotline.css), not Chart.js's light grey
  Chart.defaults.font.family = page.fontFamily;
  Chart.defaults.font.size = 13;

  function numberOf(cell) {
    const raw = cell.dataset.value;
    if (raw === undefined || raw.trim() === "") return null;
    const value = Number(raw);
    return Number.isFinite(value) ? value : null;
  }

  // The cell's own text, without the hidden "(Hotline geöffnet)" note for screen readers.
  function textOf(cell) {
    const first = cell.firstChild;
    return (first && first.nodeType === Node.TEXT_NODE ? first.textContent : cell.textContent).trim();
  }

  function readTable(table) {
    const headers = Array.from(table.querySelectorAll("thead th"));
    const rows = Array.from(table.querySelectorAll("tbody tr")).map((tr) => Array.from(tr.cells));
    return {
      labels: headers.map((th) => th.textContent.trim()),
      names: headers.map((th) => th.dataset.label || th.textContent.trim()),
      units: headers.map((th) => th.dataset.unit || ""),
      rows,
    };
  }

  function baseOptions() {
    return {
      locale,
      responsive: true,
      maintainAspectRatio: false,
      animation: reducedMotion ? false : { duration: 400 },
      plugins: { legend: { position: "bottom" } },
    };
  }

  // One y axis per unit, so seconds and shares do not share a scale: the first unit on the left,
  // the next on the right. A "%" column holds percentages, 0 to 100 (81.3 for 81,3 %), as
  // planning/report_tables.py builds them and the exports write them.
  function axesFor(units, series) {
    const scales = { x: { grid: { display: false } } };
    const ids = {};
    units.forEach((unit) => {
      if (unit in ids) return;
      const index = Object.keys(ids).length;
      const id = index === 0 ? "y" : `y${index}`;
      ids[unit] = id;
      const mine = series.filter((item) => item.unit === unit);
      const whole = mine.every((item) => item.data.every((value) => value === null || Number.isInteger(value)));
      scales[id] = {
        position: index % 2 === 0 ? "left" : "right",
        beginAtZero: true,
        grid: { drawOnChartArea: index === 0 },
        title: { display: new Set(units).size > 1, text: mine.map((item) => item.label).join(", ") },
        ticks: unit === "%" ? { callback: percentTick } : whole ? { precision: 0 } : {},
        suggestedMax: unit === "%" ? 100 : undefined,
      };
    });
    return { scales, ids };
  }

  const percentFormat = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
  function percentTick(value) {
    return percentFormat.format(value / 100);
  }

  function seriesChart(figure, kind, data) {
    const options = baseOptions();
    const series = data.names.slice(1).map((name, index) => {
      const look = SERIES[index % SERIES.length];
      const cells = data.rows.map((row) => row[index + 1]);
      return {
        label: data.labels[index + 1],
        unit: data.units[index + 1],
        data: cells.map((cell) => (cell ? numberOf(cell) : null)),
        texts: cells.map((cell) => (cell ? textOf(cell) : "")),
        borderColor: look.color,
        backgroundColor: look.color,
        borderDash: kind === "line" ? look.dash : [],
        pointStyle: look.point,
        pointRadius: kind === "line" ? 3 : undefined,
        borderWidth: 2,
        spanGaps: false,
      };
    });
    const { scales, ids } = axesFor(data.units.slice(1), series);
    const datasets = series.map((item) => ({ ...item, yAxisID: ids[item.unit] }));
    options.scales = scales;
    options.plugins.legend.labels = { usePointStyle: kind === "line" };
    options.plugins.tooltip = {
      callbacks: {
        label: (item) => `${item.dataset.label}: ${item.dataset.texts[item.dataIndex] || "–"}`,
      },
    };
    return {
      type: kind,
      data: { labels: data.rows.map((row) => textOf(row[0])), datasets },
      options,
    };
  }

  function shade(share) {
    const mix = LOW.map((low, i) => Math.round(low + (HIGH[i] - low) * share));
    return `rgb(${mix[0]}, ${mix[1]}, ${mix[2]})`;
  }

  function heatmapChart(figure, data) {
    const options = baseOptions();
    const days = data.labels.slice(1);
    const hours = data.rows.map((row) => textOf(row[0]));
    const points = [];
    for (const row of data.rows) {
      row.slice(1).forEach((cell, index) => {
        const value = numberOf(cell);
        if (value === null) return;
        points.push({ x: days[index], y: textOf(row[0]), v: value, text: textOf(cell), open: cell.dataset.open === "true" });
      });
    }
    const values = points.map((point) => point.v);
    const least = Math.min(...values);
    const most = Math.max(...values);
    const share = (value) => (most > least ? (value - least) / (most - least) : 0);
    const cellWidth = (inset) => ({ chart }) => Math.max((chart.chartArea || { width: 0 }).width / days.length - 2 - inset, 1);
    const cellHeight = (inset) => ({ chart }) => Math.max((chart.chartArea || { height: 0 }).height / hours.length - 2 - inset, 1);
    const open = points.filter((point) => point.open);
    const openLabel = figure.dataset.msgOpen || "";
    options.scales = {
      x: { type: "category", labels: days, offset: true, position: "top", grid: { display: false } },
      // The day's first hour at the top, as in the table (the matrix type's default is the reverse).
      y: { type: "category", labels: hours, offset: true, reverse: false, grid: { display: false } },
    };
    options.plugins.legend.labels = {
      filter: (item) => item.text !== "",
      sort: (a, b) => a.datasetIndex - b.datasetIndex,
    };
    options.plugins.tooltip = {
      filter: (item) => item.datasetIndex === 0,
      callbacks: {
        title: (items) => (items.length ? `${items[0].raw.x}, ${items[0].raw.y}` : ""),
        label: (item) => `${item.dataset.label}: ${item.raw.text}${item.raw.open ? ` (${openLabel})` : ""}`,
      },
    };
    showScale(figure, points, least, most);
    return {
      type: "matrix",
      data: {
        datasets: [
          {
            label: figure.querySelector("figcaption").textContent.trim(),
            data: points,
            order: 2, // Chart.js draws the highest order first: the cells under both rings
            backgroundColor: (context) => (context.raw ? shade(share(context.raw.v)) : "transparent"),
            borderWidth: 0,
            width: cellWidth(0),
            height: cellHeight(0),
          },
          {
            label: openLabel,
            data: open,
            order: 1,
            backgroundColor: "transparent",
            borderColor: OPEN_RING,
            borderWidth: 3,
            width: cellWidth(0),
            height: cellHeight(0),
          },
          {
            label: "", // the white inner ring: not a legend entry of its own
            data: open,
            order: 0,
            backgroundColor: "transparent",
            borderColor: OPEN_INNER,
            borderWidth: 1,
            width: cellWidth(6),
            height: cellHeight(6),
          },
        ],
      },
      options,
    };
  }

  // The colour scale under a heat map: the least and the most, as the table shows them.
  function showScale(figure, points, least, most) {
    const legend = figure.querySelector(".heat-legend");
    if (!legend || !points.length) return;
    legend.querySelector(".heat-min").textContent = points.find((point) => point.v === least).text;
    legend.querySelector(".heat-max").textContent = points.find((point) => point.v === most).text;
    legend.hidden = false;
  }

  function canDraw(kind) {
    if (kind === "line" || kind === "bar") return true;
    if (kind !== "heatmap") return false;
    try {
      return Boolean(Chart.registry.getController("matrix"));
    } catch (error) {
      return false; // the matrix plugin is not loaded: the heat map stays a table
    }
  }

  function draw(figure) {
    const kind = figure.dataset.chart;
    const canvas = figure.querySelector("canvas");
    const table = figure.querySelector("table");
    if (!canvas || !table || !canDraw(kind)) return;
    const data = readTable(table);
    if (!data.rows.length || data.labels.length < 2) return;
    const holder = canvas.parentElement;
    holder.hidden = false; // Chart.js sizes the canvas from its (visible) holder
    const config = kind === "heatmap" ? heatmapChart(figure, data) : seriesChart(figure, kind, data);
    new Chart(canvas, config);
    // The chart now shows the figures; the table stays one click away for reading and checking.
    const numbers = figure.querySelector("details.chart-numbers");
    if (numbers) numbers.open = false;
  }

  function drawAll() {
    document.querySelectorAll("figure.chart[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
