import { existsSync, watch, type FSWatcher } from 'node:fs';

/** Options of {@link watchRecipes}. */
export interface RecipeWatcherOptions {
  /** The recipes folder (`CLOSELOOP_RECIPES`). */
  dir: string;
  /** Called once the folder has been quiet for `debounceMs` after a change. */
  onChange: () => void;
  /** Quiet time after the last change before reloading: an editor's save is several events. Default 250 ms. */
  debounceMs?: number;
}

/**
 * Watch the recipes folder (node:fs `watch`; renames count, so editors that save by replacing
 * the file are seen) and call `onChange` once per burst of changes. Returns the stop function.
 * A folder that does not exist is not watched (SIGHUP still reloads).
 */
export function watchRecipes(options: RecipeWatcherOptions): () => void {
  if (!existsSync(options.dir)) return () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watcher: FSWatcher = watch(options.dir, { persistent: false }, (_event, file) => {
    if (file && !/\.ya?ml$/.test(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(options.onChange, options.debounceMs ?? 250);
  });
  // A folder removed under us: stop watching rather than crash; SIGHUP still reloads.
  watcher.on('error', () => watcher.close());
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
