import { describe, expect, it } from 'vitest';
import { mergeMetrics } from './metrics-merge.js';

const worker = (requests: number, depth: number) => `# HELP portico_requests_total Requests answered
# TYPE portico_requests_total counter
portico_requests_total{operation="a",method="GET",status="200"} ${requests}
# HELP portico_request_duration_seconds Time
# TYPE portico_request_duration_seconds histogram
portico_request_duration_seconds_bucket{operation="a",le="0.001"} 1
portico_request_duration_seconds_sum{operation="a"} 0.5
portico_request_duration_seconds_count{operation="a"} 1
# HELP portico_request_log_queue_depth Waiting
# TYPE portico_request_log_queue_depth gauge
portico_request_log_queue_depth ${depth}
`;

describe('mergeMetrics', () => {
  it('lists each family once with every worker’s samples labelled by worker', () => {
    const merged = mergeMetrics(
      [
        { worker: 1, text: worker(3, 0) },
        { worker: 4, text: worker(5, 2) },
      ],
      '# TYPE portico_cluster_workers gauge\nportico_cluster_workers 2\n',
    );
    expect(merged.split('\n')).toEqual([
      '# HELP portico_requests_total Requests answered',
      '# TYPE portico_requests_total counter',
      'portico_requests_total{worker="1",operation="a",method="GET",status="200"} 3',
      'portico_requests_total{worker="4",operation="a",method="GET",status="200"} 5',
      '# HELP portico_request_duration_seconds Time',
      '# TYPE portico_request_duration_seconds histogram',
      'portico_request_duration_seconds_bucket{worker="1",operation="a",le="0.001"} 1',
      'portico_request_duration_seconds_sum{worker="1",operation="a"} 0.5',
      'portico_request_duration_seconds_count{worker="1",operation="a"} 1',
      'portico_request_duration_seconds_bucket{worker="4",operation="a",le="0.001"} 1',
      'portico_request_duration_seconds_sum{worker="4",operation="a"} 0.5',
      'portico_request_duration_seconds_count{worker="4",operation="a"} 1',
      '# HELP portico_request_log_queue_depth Waiting',
      '# TYPE portico_request_log_queue_depth gauge',
      'portico_request_log_queue_depth{worker="1"} 0',
      'portico_request_log_queue_depth{worker="4"} 2',
      '# TYPE portico_cluster_workers gauge',
      'portico_cluster_workers 2',
      '',
    ]);
  });
});
