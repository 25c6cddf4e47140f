/**
 * Pinned trust anchor: NVIDIA Device Identity CA,
 * root of the GPU device certificate chain: the fifth certificate of the chain the driver
 * returns must equal it byte for byte.
 *
 * Source: NVIDIA's local GPU verifier, github.com/NVIDIA/nvtrust at commit
 * 028173093d43dbf37364bdc39ad7e696bccbce2e, file
 * guest_tools/gpu_verifiers/local_gpu_verifier/src/verifier/certs/
 *   verifier_device_root.pem
 * (BSD-3-Clause), copied unchanged.
 * notBefore=Nov  5 00:00:00 2021 GMT; notAfter=Dec 31 23:59:59 9999 GMT; subject=CN = NVIDIA Device Identity CA, O = NVIDIA
 * SHA-256 of the DER: 102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48
 *
 * Never replaced by a certificate the evidence carries; development roots are supplied through
 * GpuPolicy instead (src/core/attest/nvidia/policy.ts).
 */
export const NVIDIA_DEVICE_ROOT_DER_SHA256 = '102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48';

export const NVIDIA_DEVICE_ROOT_PEM = `-----BEGIN CERTIFICATE-----
MIICCzCCAZCgAwIBAgIQLTZwscoQBBHB/sDoKgZbVDAKBggqhkjOPQQDAzA1MSIw
IAYDVQQDDBlOVklESUEgRGV2aWNlIElkZW50aXR5IENBMQ8wDQYDVQQKDAZOVklE
SUEwIBcNMjExMTA1MDAwMDAwWhgPOTk5OTEyMzEyMzU5NTlaMDUxIjAgBgNVBAMM
GU5WSURJQSBEZXZpY2UgSWRlbnRpdHkgQ0ExDzANBgNVBAoMBk5WSURJQTB2MBAG
ByqGSM49AgEGBSuBBAAiA2IABA5MFKM7+KViZljbQSlgfky/RRnEQScW9NDZF8SX
gAW96r6u/Ve8ZggtcYpPi2BS4VFu6KfEIrhN6FcHG7WP05W+oM+hxj7nyA1r1jkB
2Ry70YfThX3Ba1zOryOP+MJ9vaNjMGEwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8B
Af8EBAMCAQYwHQYDVR0OBBYEFFeF/4PyY8xlfWi3Olv0jUrL+0lfMB8GA1UdIwQY
MBaAFFeF/4PyY8xlfWi3Olv0jUrL+0lfMAoGCCqGSM49BAMDA2kAMGYCMQCPeFM3
TASsKQVaT+8S0sO9u97PVGCpE9d/I42IT7k3UUOLSR/qvJynVOD1vQKVXf0CMQC+
EY55WYoDBvs2wPAH1Gw4LbcwUN8QCff8bFmV4ZxjCRr4WXTLFHBKjbfneGSBWwA=
-----END CERTIFICATE-----`;
