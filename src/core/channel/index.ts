/** The sealed channel: client API (extension, CLI) and the gateway's half of the protocol. */
export { channelFromVerdict, isVerifiedChannel, fetchBundle, attestGateway, openSealedChat, parseRetryAfter } from './client.ts';
export type { VerifiedChannel, VerdictLike, ChatDelta, ChatUsage, SealedChatOptions, ChatMessage, ChatRequestBody } from './client.ts';
export { parseEnvelope, openRequest, sealRequest } from './request.ts';
export type { SealedPlaintext, ParsedEnvelope } from './request.ts';
export { FrameSealer, FrameOpener, importStreamKeys } from './frames.ts';
export type { StreamKeys, OpenedFrame, FrameType } from './frames.ts';
export * from './suite.ts';
