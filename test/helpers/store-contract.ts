// What the store contract suites share: each test gets a fresh store from the
// suite's factory, closed and cleaned up after it whatever happens.
export interface Opened<S> {
  store: S;
  cleanup(): Promise<void>;
}

export const freshStoreFor =
  <S extends { close(): Promise<void> }>(open: () => Promise<Opened<S>>) =>
  (fn: (store: S) => Promise<void>) =>
  async (): Promise<void> => {
    const { store, cleanup } = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
      await cleanup();
    }
  };
