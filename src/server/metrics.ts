/** Prometheus metrics of one server (its own registry, so tests can run several). */
import { Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  /** One answered request: its route, status and time taken. */
  request(route: string, status: number, seconds: number): void;
  /** One decided vote: its verdict, time taken, and the logs that answered with a fault. */
  decided(verdict: string, seconds: number, faultyLogs: readonly string[]): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'trustix_vote_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers });
  const decisions = new Counter({ name: 'trustix_vote_decisions_total', help: 'Votes decided, by verdict', labelNames: ['verdict'], registers });
  const logFaults = new Counter({ name: 'trustix_vote_log_faults_total', help: 'Faulty answers (timeouts, bad signatures, errors) by log', labelNames: ['log'], registers });
  const decisionSeconds = new Histogram({
    name: 'trustix_vote_decision_seconds', help: 'Time to vote one path', labelNames: ['verdict'], registers,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  const requestSeconds = new Histogram({
    name: 'trustix_vote_request_seconds', help: 'Time to answer a request, by route', labelNames: ['route'], registers,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });
  // Labelled children, made once per label set: prom-client hashes the labels on every
  // call otherwise, which is a tenth of a cached narinfo's cost.
  const child = <T>(make: (key: string) => T) => {
    const made = new Map<string, T>();
    return (key: string) => {
      let c = made.get(key);
      if (c === undefined) made.set(key, (c = make(key)));
      return c;
    };
  };
  const requestsOf = child((k) => requests.labels(...(k.split(' ') as [string, string])));
  const requestSecondsOf = child((route) => requestSeconds.labels(route));
  const decisionsOf = child((verdict) => decisions.labels(verdict));
  const decisionSecondsOf = child((verdict) => decisionSeconds.labels(verdict));
  return {
    registry,
    request(route, status, seconds) {
      requestsOf(`${route} ${status}`).inc();
      requestSecondsOf(route).observe(seconds);
    },
    decided(verdict, seconds, faultyLogs) {
      decisionsOf(verdict).inc();
      decisionSecondsOf(verdict).observe(seconds);
      for (const log of faultyLogs) logFaults.inc({ log });
    },
  };
}
