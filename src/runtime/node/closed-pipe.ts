/**
 * Exit quietly when the reader of `stream` has gone (EPIPE: `closeloop jobs | head -1`), with the
 * exit code set so far; any other write error is still thrown.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit();
  });
}
