// Linked into the sanitized server only (WEBCHAT_SANITIZE, built by tools/test): its defaults, so
// that whoever starts it, the first report ends the process with a stack trace instead of scrolling
// by. ASAN_OPTIONS and UBSAN_OPTIONS in the environment still override them.
extern "C" const char* __asan_default_options() {
  return "detect_leaks=1:abort_on_error=1:halt_on_error=1";
}

extern "C" const char* __ubsan_default_options() {
  return "halt_on_error=1:print_stacktrace=1";
}
