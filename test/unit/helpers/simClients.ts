/** A started simulator and the two real SDK clients pointed at it (no retries: each test sees exactly what the wire did). */
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { Simulator } from '../../../src/simulator/Simulator';

export interface SimClients {
  sim: Simulator;
  openai: OpenAI;
  anthropic: Anthropic;
}

export async function startSimClients(): Promise<SimClients> {
  const sim = new Simulator();
  await sim.start();
  return {
    sim,
    openai: new OpenAI({ apiKey: 'sk-test', baseURL: sim.openAIBaseUrl, maxRetries: 0, logLevel: 'off' }),
    anthropic: new Anthropic({ apiKey: 'sk-ant-test', baseURL: sim.anthropicBaseUrl, maxRetries: 0, logLevel: 'off' }),
  };
}

/**
 * Mocha hooks for a describe block: one simulator with its clients (handed to `set` before the
 * block's tests), reset before each test and stopped after the block.
 */
export function useSimClients(set: (clients: SimClients) => void): void {
  let clients: SimClients | undefined;
  before(async () => {
    clients = await startSimClients();
    set(clients);
  });
  after(() => clients?.sim.stop());
  beforeEach(() => clients?.sim.reset());
}
