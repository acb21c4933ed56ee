import { EventEmitter } from "node:events";
import type { PrismaClient } from "../../generated/prisma/client.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { newUuid } from "../ids.ts";

/** Event types. `ResourceStateChanged` covers both `state` and `status` changes. */
export type EventType = "ResourceCreated" | "ResourceDeleted" | "ResourceStateChanged" | "ResourceStatusChanged";

/** A resource event as stored and as delivered to subscribers (e.g. alarms). */
export interface ResourceEvent {
  uuid: string;
  type: EventType;
  resourceUuid: string;
  resourceType: string;
  oldState: string | null;
  newState: string | null;
  accountUuid: string;
  details: Record<string, unknown> | null;
  createDate: Date;
}

/** Input of {@link EventBus.record}. */
export type NewEvent = Omit<ResourceEvent, "uuid" | "createDate" | "details" | "oldState" | "newState"> & {
  oldState?: string | null;
  newState?: string | null;
  details?: Record<string, unknown>;
};

type Tx = Prisma.TransactionClient | PrismaClient;

/**
 * The event bus. Events are written in the same transaction as the change they describe
 * (so a rolled-back change leaves no event), then published in-process after commit to
 * subscribers such as alarms. `GET /v1/events` queries the stored history.
 */
export class EventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  /**
   * Stores an event inside `tx` and returns a function that publishes it; call that after the
   * transaction commits.
   */
  async record(tx: Tx, e: NewEvent): Promise<() => void> {
    const row = await tx.event.create({
      data: {
        uuid: newUuid(), type: e.type, resourceUuid: e.resourceUuid, resourceType: e.resourceType,
        oldState: e.oldState ?? null, newState: e.newState ?? null, accountUuid: e.accountUuid,
        details: (e.details ?? undefined) as never,
      },
    });
    return () => this.emitter.emit("event", row as ResourceEvent);
  }

  /** Like {@link record} for many events in one INSERT (bulk changes such as a sync's creates). */
  async recordMany(tx: Tx, events: NewEvent[]): Promise<() => void> {
    if (!events.length) return () => undefined;
    const rows = await tx.event.createManyAndReturn({
      data: events.map((e) => ({
        uuid: newUuid(), type: e.type, resourceUuid: e.resourceUuid, resourceType: e.resourceType,
        oldState: e.oldState ?? null, newState: e.newState ?? null, accountUuid: e.accountUuid,
        details: (e.details ?? undefined) as never,
      })),
    });
    return () => {
      for (const row of rows) this.emitter.emit("event", row as ResourceEvent);
    };
  }

  /**
   * Runs `fn` in one transaction; the events it records through `emit` are stored in that
   * transaction and published only after it commits (none if it rolls back).
   */
  async transaction<T>(prisma: PrismaClient, fn: (tx: Prisma.TransactionClient, emit: (e: NewEvent) => Promise<void>,
    emitMany: (es: NewEvent[]) => Promise<void>) => Promise<T>): Promise<T> {
    const publish: (() => void)[] = [];
    const result = await prisma.$transaction((tx) => fn(tx, async (e) => void publish.push(await this.record(tx, e)),
      async (es) => void publish.push(await this.recordMany(tx, es))));
    for (const p of publish) p();
    return result;
  }

  /** Stores and publishes an event outside any larger transaction. */
  async emit(prisma: PrismaClient, e: NewEvent): Promise<void> {
    (await this.record(prisma, e))();
  }

  /** Calls `fn` for every event published on this node. Returns an unsubscribe function. */
  subscribe(fn: (e: ResourceEvent) => void): () => void {
    const safe = (e: ResourceEvent) => {
      try {
        fn(e);
      } catch {
        // A failing subscriber must not break the change that emitted the event.
      }
    };
    this.emitter.on("event", safe);
    return () => this.emitter.off("event", safe);
  }
}
