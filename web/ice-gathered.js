// Resolves with true once ICE gathering completes, or with false after capMs, the candidates found so
// far in the description: a STUN server that never answers must not hold a description back for long.
// Used by the room's links (webchat.js) and the direct links for files (files/direct-links.js).
export function iceGathered(pc, capMs) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => finish(false), capMs);
    function finish(complete) {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve(complete);
    }
    function check() {
      if (pc.iceGatheringState === 'complete') finish(true);
    }
    pc.addEventListener('icegatheringstatechange', check);
  });
}
