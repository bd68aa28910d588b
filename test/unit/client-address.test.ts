import type { Request } from 'express';
import { throttleAddress, NOT_AN_ADDRESS } from '../../src/domain/client-address';
import { clientAddress } from '../../src/http/handlers';

const req = (ip: string | undefined, peer: string | undefined) => ({ ip, socket: { remoteAddress: peer } }) as Request;

describe('clientAddress', () => {
  it('is what Express derived through the trusted proxies when it is an IP', () => {
    expect(clientAddress(req('203.0.113.9', '10.0.0.1'))).toBe('203.0.113.9');
    expect(clientAddress(req('2001:db8::1', '10.0.0.1'))).toBe('2001:db8::1');
  });

  it('falls back to the peer when Express has no IP, and says "unknown" when neither is one', () => {
    expect(clientAddress(req('not-an-ip', '10.0.0.1'))).toBe('10.0.0.1');
    expect(clientAddress(req(undefined, '10.0.0.1'))).toBe('10.0.0.1');
    expect(clientAddress(req(undefined, undefined))).toBe('unknown');
    expect(clientAddress(req('junk', 'also junk'))).toBe('unknown');
  });
});

describe('throttleAddress', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:DB8:0001:0002::', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['a::b:c:d:e:1.2.3.4', 'a:0:b:c::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['unknown', NOT_AN_ADDRESS],
    ['', NOT_AN_ADDRESS],
    ['::ffff:999.1.1.1', NOT_AN_ADDRESS],
  ])('counts %s as %s (IPv6 by its /64, so one subscriber is one client)', (ip, bucket) => {
    expect(throttleAddress(ip)).toBe(bucket);
  });
});
