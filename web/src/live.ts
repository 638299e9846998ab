// The node's event stream (GET /v1/events, docs/rpc.md) with reconnection.
// State: "connecting" -> "live"; on a drop "reconnecting" (with backoff up to
// 5 s) until it is back, then listeners get a "resync" so each page re-reads
// what it shows from the API: events missed while away are never replayed,
// so nothing shown while reconnecting counts as current.
export type LiveState = 'connecting' | 'live' | 'reconnecting';
export interface ChainEvent {
  type: string;
  seq: number;
  [k: string]: any;
}

type Listener = (e: ChainEvent) => void;

export class Live {
  state: LiveState = 'connecting';
  lastEventAt = 0;
  private ws: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<(s: LiveState) => void>();
  private resyncListeners = new Set<() => void>();
  private backoff = 250;
  private everLive = false;

  constructor(private url: string) {}

  start(): void {
    this.connect();
  }

  on(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  onState(fn: (s: LiveState) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }
  // Called after every reconnect (not the first connect).
  onResync(fn: () => void): () => void {
    this.resyncListeners.add(fn);
    return () => this.resyncListeners.delete(fn);
  }

  private set(state: LiveState) {
    if (state === this.state) return;
    this.state = state;
    for (const fn of this.stateListeners) fn(state);
  }

  private connect() {
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.backoff = 250;
      const again = this.everLive;
      this.everLive = true;
      this.set('live');
      if (again) for (const fn of this.resyncListeners) fn();
    };
    ws.onmessage = (m) => {
      let e: ChainEvent;
      try {
        e = JSON.parse(String(m.data));
      } catch {
        return;
      }
      this.lastEventAt = Date.now();
      if (e.type === 'missed') for (const fn of this.resyncListeners) fn();
      for (const fn of this.listeners) fn(e);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.set(this.everLive ? 'reconnecting' : 'connecting');
      setTimeout(() => this.connect(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 5000);
    };
    ws.onerror = () => ws.close();
  }
}
