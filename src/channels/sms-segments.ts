/*
 * SMS segment counting (3GPP TS 23.038). A message that fits the GSM 03.38 default alphabet is
 * sent as GSM-7: 160 septets in one segment, 153 per segment when concatenated (the user data
 * header takes 7). Any other character forces UCS-2: 70 UTF-16 units, 67 when concatenated.
 * Characters of the extension table (`^{}\[~]|€` and form feed) take two septets.
 */
const GSM_BASIC = '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '\f^{}\\[~]|€';
const basic = new Set(GSM_BASIC);
const extended = new Set(GSM_EXTENDED);

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
  /** Units left in the last segment. */
  remaining: number;
}

/**
 * Counts the segments a text is billed as.
 * @example smsSegments('Hello!') // { encoding: 'GSM-7', units: 6, segments: 1, remaining: 154 }
 */
export function smsSegments(text: string): SmsSegments {
  let septets = 0;
  let gsm = true;
  for (const char of text) {
    if (basic.has(char)) septets += 1;
    else if (extended.has(char)) septets += 2;
    else {
      gsm = false;
      break;
    }
  }
  const [units, single, multi] = gsm ? [septets, 160, 153] : [text.length, 70, 67];
  if (units === 0) return { encoding: gsm ? 'GSM-7' : 'UCS-2', units: 0, segments: 0, remaining: single };
  const segments = units <= single ? 1 : Math.ceil(units / multi);
  const capacity = segments === 1 ? single : segments * multi;
  return { encoding: gsm ? 'GSM-7' : 'UCS-2', units, segments, remaining: capacity - units };
}

/** STOP/START keywords carriers and Twilio recognise (case-insensitive, the whole message). */
const stopWords = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'OPTOUT', 'REVOKE']);
const startWords = new Set(['START', 'YES', 'UNSTOP', 'OPTIN']);

/**
 * What an inbound SMS asks for: `stop`, `start`, or nothing.
 * @example smsKeyword(' stop ') // 'stop'
 */
export function smsKeyword(body: string): 'stop' | 'start' | undefined {
  const word = body
    .trim()
    .toUpperCase()
    .replace(/[.!]+$/, '');
  if (stopWords.has(word)) return 'stop';
  if (startWords.has(word)) return 'start';
  return undefined;
}
