/** Prometheus metrics of one server (its own registry, so tests can run several). */
import { Counter, Histogram, Registry } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly requests: Counter<'route' | 'status'>;
  readonly decisions: Counter<'verdict'>;
  readonly logFaults: Counter<'log'>;
  readonly decisionSeconds: Histogram<'verdict'>;
  readonly requestSeconds: Histogram<'route'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    requests: new Counter({ name: 'trustix_vote_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers }),
    decisions: new Counter({ name: 'trustix_vote_decisions_total', help: 'Votes decided, by verdict', labelNames: ['verdict'], registers }),
    logFaults: new Counter({ name: 'trustix_vote_log_faults_total', help: 'Faulty answers (timeouts, bad signatures, errors) by log', labelNames: ['log'], registers }),
    decisionSeconds: new Histogram({
      name: 'trustix_vote_decision_seconds', help: 'Time to vote one path', labelNames: ['verdict'], registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    requestSeconds: new Histogram({
      name: 'trustix_vote_request_seconds', help: 'Time to answer a request, by route', labelNames: ['route'], registers,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
  };
}
