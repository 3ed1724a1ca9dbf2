// Camera preview and the codecs this browser's WebCodecs can encode at the camera's size.
const VIDEO_CODECS = ["vp8", "vp09.00.10.08", "avc1.42001f", "av01.0.04M.08"] as const;

function element<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found as T;
}

async function encoders(width: number, height: number): Promise<HTMLLIElement[]> {
  const video = VIDEO_CODECS.map(async (codec) => {
    const { supported } = await VideoEncoder.isConfigSupported({ codec, width, height, bitrate: 1_000_000 });
    return { codec, ok: supported === true };
  });
  const audio = AudioEncoder.isConfigSupported({ codec: "opus", sampleRate: 48000, numberOfChannels: 1 }).then(
    ({ supported }) => ({ codec: "opus", ok: supported === true }),
  );
  return (await Promise.all([...video, audio])).map(({ codec, ok }) => {
    const item = document.createElement("li");
    item.textContent = `${codec}: ${ok ? "yes" : "no"}`;
    item.dataset.codec = codec;
    item.dataset.supported = String(ok);
    return item;
  });
}

async function start(): Promise<void> {
  const status = element<HTMLParagraphElement>("status");
  const preview = element<HTMLVideoElement>("preview");
  status.textContent = "Asking for the camera…";
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    preview.srcObject = stream;
    await preview.play();
    const [videoTrack] = stream.getVideoTracks();
    const settings = videoTrack?.getSettings() ?? {};
    const width = settings.width ?? preview.videoWidth;
    const height = settings.height ?? preview.videoHeight;
    status.textContent = `Camera on: ${width}x${height} at ${settings.frameRate ?? "?"} fps, ${stream.getAudioTracks().length} audio track(s).`;
    element<HTMLUListElement>("encoders").replaceChildren(...(await encoders(width, height)));
    document.body.dataset.ready = "true";
  } catch (error) {
    status.textContent = `Camera failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

element<HTMLButtonElement>("start").addEventListener("click", () => void start());
