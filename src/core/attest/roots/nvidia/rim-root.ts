/**
 * Pinned trust anchor: NVIDIA CoRIM signing Root CA,
 * root of the KeyInfo certificate chain in NVIDIA reference integrity manifests (RIMs).
 *
 * Source: NVIDIA's local GPU verifier, github.com/NVIDIA/nvtrust at commit
 * 028173093d43dbf37364bdc39ad7e696bccbce2e, file
 * guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/certs/
 *   verifier_RIM_root.pem
 * (BSD-3-Clause), copied unchanged.
 * notBefore=Mar 16 15:37:34 2023 GMT; notAfter=Mar  8 15:37:34 2053 GMT; subject=C = US, O = NVIDIA, CN = NVIDIA CoRIM signing Root CA
 * SHA-256 of the DER: 12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1
 *
 * Never replaced by a certificate the evidence carries; development roots are supplied through
 * GpuPolicy instead (src/core/attest/nvidia/policy.ts).
 */
export const NVIDIA_RIM_ROOT_DER_SHA256 = '12977b5115acb0381179279fffeb5a8c4d264971ebb32298023a465fa41df5d1';

export const NVIDIA_RIM_ROOT_PEM = `-----BEGIN CERTIFICATE-----
MIICKTCCAbCgAwIBAgIQRdrjoA5QN73fh1N17LXicDAKBggqhkjOPQQDAzBFMQsw
CQYDVQQGEwJVUzEPMA0GA1UECgwGTlZJRElBMSUwIwYDVQQDDBxOVklESUEgQ29S
SU0gc2lnbmluZyBSb290IENBMCAXDTIzMDMxNjE1MzczNFoYDzIwNTMwMzA4MTUz
NzM0WjBFMQswCQYDVQQGEwJVUzEPMA0GA1UECgwGTlZJRElBMSUwIwYDVQQDDBxO
VklESUEgQ29SSU0gc2lnbmluZyBSb290IENBMHYwEAYHKoZIzj0CAQYFK4EEACID
YgAEuECyi9vNM+Iw2lfUzyBldHAwaC1HF7TCgp12QcEyUTm3Tagxwr48d55+K2VI
lWYIDk7NlAIQdcV/Ff7euGLI+Qauj93HsSI4WX298PpW54RTgz9tC+Q684caR/BX
WEeZo2MwYTAdBgNVHQ4EFgQUpaXrOPK4ZDAk08DBskn594zeZjAwHwYDVR0jBBgw
FoAUpaXrOPK4ZDAk08DBskn594zeZjAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8B
Af8EBAMCAQYwCgYIKoZIzj0EAwMDZwAwZAIwHGDyscDP6ihHqRvZlI3eqZ4YkvjE
1duaN84tAHRVgxVMvNrp5Tnom3idHYGW/dskAjATvjIx6VzHm/4e2GiZAyZEIUBD
OKPzp5ei/A0iUZpdvngenDwV8Qa/wGdiTmJ7Bp4=
-----END CERTIFICATE-----`;
