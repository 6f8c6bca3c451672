import { randomUUID } from 'node:crypto';
import type { LabelOcrEngines } from '../../models/index.ts';
import {
  type BuildingAddress,
  createLabelReader,
  createResidentMatcher,
  LabelImageError,
  parseTrackingNumber,
} from '../../pipelines/index.ts';
import type { KioskMessage } from '../ledger/index.ts';
import type { CourierCredentials } from './courier-credentials.ts';
import type { KioskFlowContext } from './kiosk-flow-context.ts';
import { type ClientMessage, KioskProtocolError, type ServerMessage } from './kiosk-protocol.ts';
import { choiceOf, type Device, emptyView } from './kiosk-sessions.ts';

export interface CourierFlowOptions {
  couriers: CourierCredentials;
  /** The label pipeline's OCR engines, created once (they may still be warming up). */
  ocrEngines?: Promise<LabelOcrEngines> | LabelOcrEngines | undefined;
  building?: BuildingAddress | undefined;
}

/**
 * A courier's delivery at a kiosk: login, labels read or typed, recipients confirmed into
 * `package_registered`, and what the ledger committed about the delivery told back.
 */
export class CourierFlow {
  constructor(
    private readonly ctx: KioskFlowContext,
    private readonly options: CourierFlowOptions,
  ) {}

  async login(
    device: Device,
    message: Extract<ClientMessage, { type: 'courier_login' }>,
  ): Promise<ServerMessage> {
    const { ctx } = this;
    if (device.session) throw new KioskProtocolError('session_open', 'end the open session first');
    const reservation = await ctx.guard.reserve('courier', device.id);
    const courier =
      message.rfid !== undefined
        ? await this.options.couriers.findByRfid(message.rfid)
        : await this.options.couriers.findByPin(message.pin!);
    if (!courier)
      return ctx.guard.wrong('courier', device.id, message.rfid ? 'RFID tag' : 'PIN', reservation);
    await ctx.guard.right('courier', device.id);
    const sessionId = randomUUID();
    await ctx.ledger.submit({ type: 'delivery_started', sessionId, courierId: courier.id });
    device.session = { mode: 'courier', sessionId, courier, packageIds: [], placed: [], readings: new Map() };
    device.lastSessionId = sessionId;
    ctx.logger.info({ deviceId: device.id, sessionId, courier: courier.id }, 'courier logged in');
    void ctx.door.unlockAndTell(device.id, (m) => ctx.push(device, m));
    ctx.push(device, {
      type: 'speech',
      text: `Hello ${courier.name.split(' ')[0]}. The door is open. Show the first label to the camera.`,
    });
    return { type: 'session', session: ctx.sessions.viewOf(device.session) };
  }

  async searchResidents(device: Device, query: string): Promise<ServerMessage> {
    this.ctx.sessions.courierSession(device);
    const found = await this.ctx.repository.searchResidents(query);
    return { type: 'resident_list', residents: found.map((r) => choiceOf(r, null)) };
  }

  async readLabel(device: Device, jpegBase64: string): Promise<ServerMessage> {
    const { ctx } = this;
    const session = ctx.sessions.courierSession(device);
    const jpeg = Buffer.from(jpegBase64, 'base64');
    if (!this.options.ocrEngines)
      throw new KioskProtocolError(
        'label_unreadable',
        'label reading is not available here; type the tracking number',
      );
    const engines = await this.options.ocrEngines;
    const residents = await ctx.repository.activeResidents();
    const reader = createLabelReader({
      ocr: engines.ocr,
      ...(engines.lineOcr ? { lineOcr: engines.lineOcr } : {}),
      residents: createResidentMatcher(residents),
      ...(this.options.building ? { building: this.options.building } : {}),
    });
    let reading: Awaited<ReturnType<typeof reader.read>>;
    try {
      reading = await reader.read(jpeg);
    } catch (error) {
      if (error instanceof LabelImageError) throw new KioskProtocolError('label_unreadable', error.message);
      throw error;
    }
    const byId = new Map(residents.map((r) => [r.id, r]));
    const candidates = (reading.match?.candidates ?? [])
      .filter((c) => byId.has(c.residentId))
      .slice(0, 5)
      .map((c) => choiceOf(byId.get(c.residentId)!, c.score));
    const recipient = reading.fields.recipient;
    const recipientText = [recipient.name, recipient.unit].filter(Boolean).join(' ') || null;
    const tracking = reading.fields.tracking;
    const readingId = randomUUID();
    session.readings.set(readingId, {
      trackingNumber: tracking?.value ?? null,
      carrier: tracking?.carrier ?? reading.fields.carrier,
      recipientText,
      candidateIds: new Set(candidates.map((c) => c.residentId)),
    });
    ctx.logger.info(
      {
        deviceId: device.id,
        tracking: Boolean(tracking),
        match: reading.match?.status,
        totalMs: reading.timings.totalMs,
      },
      'label read',
    );
    return {
      type: 'label_reading',
      readingId,
      source: 'image',
      trackingNumber: tracking?.value ?? null,
      carrier: tracking?.carrier ?? reading.fields.carrier,
      recipientText,
      status: reading.match?.status ?? 'no_match',
      candidates,
    };
  }

  typedTracking(device: Device, text: string): ServerMessage {
    const session = this.ctx.sessions.courierSession(device);
    const tracking = parseTrackingNumber(text);
    if (!tracking)
      throw new KioskProtocolError(
        'tracking_invalid',
        'that number fits no carrier’s tracking format; check it against the label',
      );
    const readingId = randomUUID();
    session.readings.set(readingId, {
      trackingNumber: tracking.value,
      carrier: tracking.carrier,
      recipientText: null,
      candidateIds: new Set(),
    });
    return {
      type: 'label_reading',
      readingId,
      source: 'typed',
      trackingNumber: tracking.value,
      carrier: tracking.carrier,
      recipientText: null,
      status: 'no_match',
      candidates: [],
    };
  }

  async confirmRecipient(
    device: Device,
    readingId: string,
    residentId: string | null,
  ): Promise<ServerMessage> {
    const { ctx } = this;
    const session = ctx.sessions.courierSession(device);
    const reading = session.readings.get(readingId);
    if (!reading)
      throw new KioskProtocolError('unknown_reading', 'show the label again: that reading is not open here');
    if (residentId !== null) {
      const resident = await ctx.repository.resident(residentId);
      if (!resident?.active) throw new KioskProtocolError('unknown_resident', 'no such resident lives here');
    }
    const packageId = randomUUID();
    await ctx.ledger.submit(
      {
        type: 'package_registered',
        sessionId: session.sessionId,
        packageId,
        residentId,
        details: {
          courierId: session.courier.id,
          carrier: reading.carrier,
          trackingNumber: reading.trackingNumber,
          recipientText: reading.recipientText,
        },
      },
      `kiosk:${readingId}`,
    );
    session.readings.delete(readingId);
    session.packageIds.push(packageId);
    ctx.push(device, { type: 'speech', text: 'Place it on any shelf.' });
    return { type: 'awaiting_placement', packageId, awaitingPackageIds: ctx.sessions.awaitingOf(session) };
  }

  /** What the ledger committed about a delivery, told to the kiosk of its session. */
  async onCommitted(
    message: Extract<KioskMessage, { kind: 'package_placed' | 'unregistered_object' | 'delivery_ended' }>,
  ): Promise<void> {
    const { ctx } = this;
    const { sessions } = ctx;
    switch (message.kind) {
      case 'package_placed': {
        const device = sessions.deviceOfSession(message.sessionId);
        if (!device) return;
        const [view] = await sessions.packageViews(device, [message.packageId]);
        const session = device.session?.mode === 'courier' ? device.session : undefined;
        if (session && view) session.placed.push(view);
        ctx.push(device, {
          type: 'placed',
          package: view ?? emptyView(message.packageId, message.slotId),
          uncertain: message.uncertain,
          awaitingPackageIds: session ? sessions.awaitingOf(session) : [],
          map: sessions.mapOf([message.slotId]),
        });
        ctx.push(device, {
          type: 'speech',
          text: `Thank you. It is on ${view?.words ?? message.slotId}.`,
        });
        return;
      }
      case 'unregistered_object': {
        const words = sessions.words(message.slotId);
        const targets =
          message.sessionId !== null
            ? [sessions.deviceOfSession(message.sessionId)]
            : [...sessions.devices.values()].filter((d) => d.session?.mode === 'courier');
        for (const d of targets)
          if (d) ctx.push(d, { type: 'unregistered_object', slotId: message.slotId, words });
        return;
      }
      case 'delivery_ended': {
        const device = sessions.deviceOfSession(message.sessionId);
        if (!device) return;
        ctx.push(device, {
          type: 'delivery_ended',
          sessionId: message.sessionId,
          awaitingPackageIds: message.awaitingPackageIds,
        });
        if (device.session?.sessionId === message.sessionId) {
          device.session = undefined;
          ctx.push(device, { type: 'session', session: { mode: 'idle' } });
        }
        return;
      }
    }
  }
}
