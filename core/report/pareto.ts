// The accuracy-vs-latency Pareto front: the candidates no other candidate beats on both axes.

/** A point on the chart: lower x (latency) and higher y (accuracy) are better. */
export interface ChartPoint {
  label: string;
  x: number;
  y: number;
}

/** Indices of the non-dominated points, ordered by latency (the front drawn left to right). */
export function paretoFront(points: ChartPoint[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a].x - points[b].x || points[b].y - points[a].y);
  const front: number[] = [];
  let bestY = -Infinity;
  // Walking from fastest to slowest, a point is on the front when it is more accurate than every faster one.
  for (const i of order) {
    if (points[i].y > bestY) {
      front.push(i);
      bestY = points[i].y;
    }
  }
  return front;
}
