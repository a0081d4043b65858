import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SlipwayClient } from './session.js';

export interface AppContextValue {
  client: SlipwayClient;
  signOut: (reason?: string) => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

/** The signed-in client; every page below the sign-in gate has one. */
export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside the signed-in app');
  return value;
}
