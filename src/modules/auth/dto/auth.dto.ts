/** The auth payload classes live in the protocol package (shared with the SDK). */
export {
  ClientInfo,
  KickRequest,
  LoginRequest,
  LogoutRequest,
  RefreshRequest,
  RegisterRequest,
  SessionsRequest,
} from '../../../shared/protocol/messages/auth.messages';
