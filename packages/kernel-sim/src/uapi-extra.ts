/** Re-exports of @tsbpf/uapi plus open(2) constants the uapi package does not carry. */
export * from '@tsbpf/uapi';
export const O_ACCMODE_MASK = 3;
export const O_NONBLOCK = 0o4000;
export const O_NOCTTY = 0o400;
export const O_LARGEFILE = 0o100000;
