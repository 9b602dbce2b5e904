/** Where the portal sends the browser to start a login with an identity. */
export function redirectUrl(publicUrl: string, identityId: number): string {
  return `${publicUrl}/consumer/identity/${identityId}/redirect`;
}

/** Where a provider sends the browser back: registered at the provider as the client's redirect URI. */
export function exchangeUrl(publicUrl: string, identityId: number): string {
  return `${publicUrl}/consumer/identity/${identityId}/exchange`;
}
