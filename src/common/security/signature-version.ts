/** Connection attribute: the signing form (1 or 2) of the client's last valid signed frame. */
export const SIGNATURE_VERSION_ATTRIBUTE = 'security.signatureVersion';
