export { type Clock, manualClock, systemClock, unixSeconds } from './clock.js';
export { type DecodedBody, decodeBody, decodeJson } from './decode.js';
export { type ErrorCode, errorCatalog, IpnError, isIpnError } from './errors.js';
export { decodeForm, encodeForm, type FormCharset, type FormFields } from './form-urlencoded.js';
export { type Guarantee, type GuaranteeId, GuaranteeIdSchema, guarantee, guarantees } from './guarantees.js';
export {
  deriveOrderState,
  type ExpectedOrderState,
  type LifecycleFact,
  LifecycleFactSchema,
  matchesTerms,
  type OrderTerms,
  toOrderView,
} from './lifecycle.js';
export { CurrencySchema, currencyExponent, DecimalAmountSchema, formatMinor, parseDecimal } from './money.js';
export {
  type Health,
  HealthSchema,
  OrderIdSchema,
  type OrderStatus,
  OrderStatusSchema,
  type OrderView,
  OrderViewSchema,
  PROBE_CONTRACT_VERSION,
  PROBE_TOKEN_ENV,
  PROBE_TOKEN_MIN_LENGTH,
  type PutOrderBody,
  PutOrderBodySchema,
  probeAuthorization,
} from './probe.js';
export { type ReceiverProfile, ReceiverProfileSchema } from './profile.js';
export {
  defineProvider,
  type HeaderForgery,
  type PaymentStep,
  type Postback,
  type Provider,
  type SignInput,
  signedRequest,
  type VerifyInput,
} from './provider.js';
export { isProviderId, type ProviderId, providerById, providerIds, providers } from './providers/index.js';
export { type SigningVector, signingVectors } from './vectors.js';
export { checkTimestamp, safeEqual, type VerifyFailure, type VerifyResult } from './verification.js';
export { decodeWindows1252, encodeWindows1252 } from './windows-1252.js';
export { fromUtf8, type HeaderMap, readHeader, utf8, type WireRequest } from './wire.js';
