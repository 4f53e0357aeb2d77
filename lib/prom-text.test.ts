import { describe, expect, it } from 'vitest';
import { promSum, promValue } from './prom-text.ts';

const TEXT = `# HELP api_speed_view_hits Speed rows served from the speed view, no read.
# TYPE api_speed_view_hits gauge
api_speed_view_hits 1234
api_speed_view_hits_total 9
http_request_duration_seconds_bucket{le="1",route="/users/:id/recommendations"} 40
http_request_duration_seconds_bucket{le="1",route="/health"} 7
http_request_duration_seconds_bucket{le="2.5",route="/users/:id/recommendations"} 42
http_request_duration_seconds_count{route="/users/:id/recommendations"} 42
`;

describe('lib > prom text', () => {
  it('reads an unlabelled series by its exact name, NaN when absent', () => {
    expect(promValue(TEXT, 'api_speed_view_hits')).toBe(1234);
    expect(promValue(TEXT, 'api_speed_view_misses')).toBeNaN();
  });

  it('sums the lines of a series whose labels include the ones asked for', () => {
    const route = '/users/:id/recommendations';
    expect(promSum(TEXT, 'http_request_duration_seconds_bucket', { route, le: '1' })).toBe(40);
    expect(promSum(TEXT, 'http_request_duration_seconds_count', { route })).toBe(42);
    expect(promSum(TEXT, 'http_request_duration_seconds_bucket', { le: '1' })).toBe(47);
    expect(promSum(TEXT, 'http_request_duration_seconds_count', { route: '/nothing' })).toBe(0);
  });
});
