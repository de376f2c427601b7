// The error every --backend URL parser throws: its message is printed as the start-up error.
export class BackendUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUrlError';
  }
}
