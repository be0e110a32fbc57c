import type { SimScript } from './script';
import type { SimStats } from './SimStats';

/**
 * Steers a simulator that runs in another process (the CLI, or a test host) through its control
 * API: `POST /__sim/enqueue`, `GET /__sim/stats`, `POST /__sim/reset`. Control calls are counted
 * apart (`controlRequests`), so using this client does not disturb `requests`.
 */
export class SimulatorClient {
  /** @param origin The simulator's origin, e.g. `http://127.0.0.1:41234`. */
  constructor(readonly origin: string) {}

  /** Queues scripts for the next requests, in order. */
  async enqueue(...scripts: SimScript[]): Promise<void> {
    await this.call('POST', '/__sim/enqueue', scripts);
  }

  /** The simulator's counters and request log. */
  async stats(): Promise<SimStats> {
    return (await this.call('GET', '/__sim/stats')) as SimStats;
  }

  /** Forgets queued scripts and statistics. */
  async reset(): Promise<void> {
    await this.call('POST', '/__sim/reset');
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.origin + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const payload: unknown = await res.json();
    if (!res.ok) throw new Error(`simulator ${method} ${path}: ${res.status} ${JSON.stringify(payload)}`);
    return payload;
  }
}
