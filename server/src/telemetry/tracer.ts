import type { FastifyReply, FastifyRequest } from 'fastify';

/** The server span of one request, as the pipeline sees it. */
export interface RequestSpan {
  /** names the span after the operation routing found, with its path template as `http.route` */
  operation(name: string, route: string): void;
}

/** A client span around one upstream call, and the headers that continue its trace there. */
export interface UpstreamSpan {
  /** `traceparent` (and `tracestate` when the caller sent one) */
  readonly headers: Readonly<Record<string, string>>;
  /** the upstream answered with `status`, or failed with `error` */
  end(status: number | null, error?: unknown): void;
}

export interface RequestTracer {
  /** runs `handle` inside a server span that is current for everything it calls */
  trace(req: FastifyRequest, reply: FastifyReply, handle: (span: RequestSpan) => Promise<void>): Promise<void>;
  /** a client span, child of the current request's span; null outside a traced request */
  upstream(method: string, url: string): UpstreamSpan | null;
  /** sends the spans still buffered and stops */
  shutdown(): Promise<void>;
}
