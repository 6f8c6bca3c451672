import protobuf from 'protobufjs';

/**
 * The model-level `metadata_props` of an ONNX file. onnxruntime does not expose them to
 * JavaScript, and the class names of a detection export live there. Only the fields needed are
 * declared; protobufjs skips the rest (the graph and its weights) without decoding them.
 */
const schema = protobuf.Root.fromJSON({
  nested: {
    StringStringEntryProto: {
      fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
    },
    ModelProto: {
      fields: {
        irVersion: { type: 'int64', id: 1 },
        producerName: { type: 'string', id: 2 },
        metadataProps: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
      },
    },
  },
});
const modelProto = schema.lookupType('ModelProto');

export interface OnnxModelInfo {
  irVersion: number;
  producerName: string;
  metadata: Record<string, string>;
}

/** Throws (protobufjs's error) when the bytes are not a protobuf message. */
export function readOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo {
  const message = modelProto.decode(bytes) as unknown as {
    irVersion?: number | { toNumber(): number };
    producerName?: string;
    metadataProps?: Array<{ key?: string; value?: string }>;
  };
  const ir = message.irVersion;
  return {
    irVersion: typeof ir === 'number' ? ir : (ir?.toNumber() ?? 0),
    producerName: message.producerName ?? '',
    metadata: Object.fromEntries((message.metadataProps ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
  };
}

/**
 * Class names as Ultralytics writes them, a Python dict literal: `{0: 'package', 1: 'person'}`.
 * Returns undefined when the text is not of that form.
 */
export function parseClassNames(text: string | undefined): string[] | undefined {
  if (!text) return undefined;
  const entries = [...text.matchAll(/(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g)];
  if (entries.length === 0) return undefined;
  const names: string[] = [];
  for (const [, index, single, double] of entries) names[Number(index)] = single ?? double ?? '';
  return Array.from(names, (name, i) => name ?? `class-${i}`);
}
