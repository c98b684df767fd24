/**
 * Call-quality alerts: media timeouts, accepts without pre_accept (clipped audio), SIP 503 bursts.
 */
import { SIP_STATUS_ENTRIES } from '../src/catalogue';
import { PHONE } from './alert-spec';
import type { AlertSpec, SeriesInput } from './alert-spec';
import { RECORD } from './recording-rules';
import { mediaTimeoutRemedy } from './remedies';
import { choose, label, percent, text } from './template';
import { byNumber, traceQuery } from './trace-queries';

const number = label('whatsapp_phone_number_id');
const at = { whatsapp_phone_number_id: PHONE };
const call = { ...at, whatsapp_call_direction: 'user_initiated', whatsapp_signaling: 'graph_api' };

const ended = (status: string, values: string): SeriesInput => ({ metric: 'calls', labels: { ...call, whatsapp_call_status: status }, values });
const timeouts = (kind: string, values: string): SeriesInput => ({
  metric: 'mediaTimeouts',
  labels: { ...call, whatsapp_media_timeout_kind: kind, whatsapp_media_timeout_phase: 'call_start' },
  values,
});

export const MediaTimeouts: AlertSpec = {
  name: 'WhatsAppCallingMediaTimeouts',
  severity: 'warning',
  for: '5m',
  expr: () => `${RECORD.mediaTimeoutRatio} > 0.05\nand\n${RECORD.mediaTimeoutRate} * 600 >= 3`,
  threshold: 'calls ended by a media timeout (per kind) > 5% of ended calls over 10 min (and at least 3), for 5 min',
  summary: text`${percent} of calls on number ${number} end with a ${label('whatsapp_media_timeout_kind')} media timeout`,
  description: text`Over the last 10 minutes ${percent} of the calls of number ${number} ended because media stopped flowing (kind ${label('whatsapp_media_timeout_kind')}). The dashboard panel "Media timeouts by kind and phase" tells call start (firewall, first packet) from mid-call (silence without RTCP).`,
  remedy: mediaTimeoutRemedy(),
  trace: traceQuery([{ attribute: 'whatsapp.media_timeout.kind', value: label('whatsapp_media_timeout_kind') }, byNumber], 'whatsapp call'),
  runbook: [
    'receive / rtp_timeout: the user got nothing from you; transmit: what the user sent never reached you; no_media_signals: accepted, then silence both ways. Phase call_start points at NAT/firewall or the first packet; mid_call at long silences with no RTCP.',
    'Capture a pcap on the media server for one of the listed calls before changing firewall rules.',
  ],
  cases: [
    {
      title: 'fires when 1 in 10 ended calls has a receive timeout',
      series: [ended('completed', '0+9x30'), ended('failed', '0+1x30'), timeouts('receive', '0+1x30')],
      at: 20,
      fires: [{ labels: { ...at, whatsapp_media_timeout_kind: 'receive' }, value: 0.1 }],
    },
    {
      title: 'stays silent when 1 in 50 ended calls has a timeout',
      series: [ended('completed', '0+49x30'), ended('failed', '0+1x30'), timeouts('receive', '0+1x30')],
      at: 20,
    },
    {
      title: 'stays silent on two timeouts on a quiet number (under 3 in 10 minutes)',
      series: [ended('completed', '0+1x30'), ended('failed', '0x14 1x5 2x10'), timeouts('transmit', '0x14 1x5 2x10')],
      at: 22,
    },
  ],
};

const clipping = choose(
  'whatsapp_media_security',
  [
    {
      equals: 'dtls',
      then: ' With DTLS this matters most: Meta can only start the DTLS handshake once it has your SDP, which adds seconds unless pre_accept sent it early.',
    },
    {
      equals: 'sdes',
      then: ' With SDES there is no handshake to wait for, so clipping comes from the other leg starting media before the WebRTC leg is ready.',
    },
  ],
  '',
);

const accepts = (values: string): SeriesInput => ({
  metric: 'operationDuration',
  suffix: '_count',
  labels: { ...at, whatsapp_operation: 'calls.accept', whatsapp_signaling: 'graph_api' },
  values,
});
const noPreAccept = (security: string, values: string): SeriesInput => ({
  metric: 'acceptsWithoutPreAccept',
  labels: { ...at, whatsapp_media_security: security },
  values,
});

export const AcceptsWithoutPreAccept: AlertSpec = {
  name: 'WhatsAppCallingAcceptsWithoutPreAccept',
  severity: 'warning',
  for: '10m',
  expr: () => `${RECORD.noPreAcceptRatio} > 0.1\nand\n${RECORD.noPreAcceptRate} * 600 >= 3`,
  threshold: 'accepts without a pre_accept > 10% of accepts over 10 min (and at least 3), for 10 min; one alert per media security (dtls, sdes, unknown)',
  summary: text`${percent} of calls on number ${number} are accepted without pre_accept (${label('whatsapp_media_security')}): audio clipping risk`,
  description: text`Over the last 10 minutes ${percent} of the user-initiated calls of number ${number} with ${label('whatsapp_media_security')} media were accepted without a pre_accept first, so users are likely to miss the first second of audio.${clipping}`,
  remedy: text`Call pre_accept with your SDP answer as soon as the connect webhook arrives, then accept when the other leg answers (Meta's recommended pattern). Alternatives: SDES instead of DTLS, delay playback until the WebRTC state is connected, or insert initial silence.`,
  trace: traceQuery(
    [
      { attribute: 'whatsapp.call.pre_accepted', value: 'false', type: 'bool' },
      { attribute: 'whatsapp.media.security', value: label('whatsapp_media_security') },
      byNumber,
    ],
    'whatsapp call',
  ),
  runbook: [
    'The call spans listed by the trace query carry whatsapp.call.accept.delay: a code path that accepts straight from the connect webhook is the usual cause (a new IVR flow, a fallback path). The dashboard panel "Accepts without pre_accept, share of accepts" splits them by media security.',
  ],
  cases: [
    {
      title: 'fires when 3 in 10 DTLS accepts had no pre_accept',
      series: [accepts('0+10x40'), noPreAccept('dtls', '0+3x40')],
      at: 25,
      fires: [{ labels: { ...at, whatsapp_media_security: 'dtls' }, value: 0.3 }],
    },
    { title: 'stays silent when 1 in 20 accepts had no pre_accept', series: [accepts('0+20x40'), noPreAccept('dtls', '0+1x40')], at: 25 },
    { title: 'stays silent when every accept had a pre_accept', series: [accepts('0+20x40'), noPreAccept('sdes', '0x40')], at: 25 },
  ],
};

const sip503 = SIP_STATUS_ENTRIES.find((e) => e.key === 'sip_503_unavailable')!;
const invites = (values: string): SeriesInput => ({
  metric: 'operationDuration',
  suffix: '_count',
  labels: { ...at, whatsapp_operation: 'sip.invite', whatsapp_signaling: 'sip' },
  values,
});
const sipErrors = (status: string, category: string, values: string): SeriesInput => ({
  metric: 'errors',
  labels: { ...at, whatsapp_error_category: category, error_type: status, whatsapp_operation: 'sip.invite', whatsapp_signaling: 'sip' },
  values,
});

export const Sip503Burst: AlertSpec = {
  name: 'WhatsAppCallingSip503Burst',
  severity: 'warning',
  for: '2m',
  expr: () => `${RECORD.sip503Ratio} > 0.2\nand\n${RECORD.sip503Rate} * 300 >= 5`,
  threshold: 'SIP 503 > 20% of INVITEs over 5 min (and at least 5), for 2 min',
  summary: text`${percent} of SIP INVITEs from number ${number} are answered 503 Service Unavailable`,
  description: text`Over the last 5 minutes ${percent} of the business-initiated SIP calls of number ${number} were refused with 503 Service Unavailable.`,
  remedy: text`${sip503.title}: ${sip503.remedy!} If the 503 comes from your own SIP proxy rather than wa.meta.vc, check its capacity and its route to Meta.`,
  trace: traceQuery([{ attribute: 'sip.status_code', value: '503', type: 'int' }, byNumber], 'whatsapp sip.invite'),
  runbook: [
    'The spans carry sip.reason and network.peer.address: tell Meta\'s edge from your own proxy. The dashboard panel "SIP final-status mix" shows whether other statuses rose at the same time.',
  ],
  cases: [
    {
      title: 'fires when half the INVITEs get 503',
      series: [invites('0+10x20'), sipErrors('503', 'server', '0+5x20')],
      at: 10,
      fires: [{ labels: at, value: 0.5 }],
    },
    { title: 'stays silent when 1 in 20 INVITEs gets 503', series: [invites('0+20x20'), sipErrors('503', 'server', '0+1x20')], at: 10 },
    {
      title: 'stays silent on other SIP failures (480 Temporarily Unavailable)',
      series: [invites('0+10x20'), sipErrors('480', 'recipient_unavailable', '0+5x20')],
      at: 10,
    },
  ],
};

export const CALL_ALERTS: AlertSpec[] = [MediaTimeouts, AcceptsWithoutPreAccept, Sip503Burst];
