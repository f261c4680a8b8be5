// Host emulation of conv3d.cu's implicit-GEMM kernel: its phases (tile_load, tile_mac,
// tile_store) run for every block and thread in the kernel's order, for all three passes,
// against a naive float64 direct convolution. Runs without a GPU: native/test/cuda_emu/run.sh.
// It checks the indexing and tiling, not the launch or the GPU's memory model.
#include "cuda/conv3d.cu"
#include <cstdio>
#include <random>
#include <vector>
#include <cmath>
using namespace deepsc;
using namespace deepsc::cuda;

// Runs conv_gemm's phases for every block and thread, in the kernel's order.
template <int P>
void emu(const Dims& D, int64_t groups, int64_t M, int64_t NC, int64_t R, const float* A, const float* B, const float* bias, float* out) {
  static Tile t;
  static float acc[kGemmThreads][4][4];
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t m0 = 0; m0 < M; m0 += BM)
      for (int64_t n0 = 0; n0 < NC; n0 += BN) {
        for (auto& a : acc) for (auto& row : a) for (float& v : row) v = 0.f;
        for (int64_t r0 = 0; r0 < R; r0 += BK) {
          for (int tid = 0; tid < kGemmThreads; ++tid) tile_load<P>(D, M, NC, R, A, B, g, m0, n0, r0, tid, t);
          for (int tid = 0; tid < kGemmThreads; ++tid) tile_mac(tid, t, acc[tid]);
        }
        for (int tid = 0; tid < kGemmThreads; ++tid) tile_store<P>(D, M, NC, bias, out, g, m0, n0, tid, acc[tid]);
      }
}

int check(int N, int C, int K, std::array<int64_t,3> in, std::array<int64_t,3> k, std::array<int64_t,3> s, std::array<int64_t,3> p, std::array<int64_t,3> d, int G) {
  ConvGeometry geo; geo.N=N; geo.C=C; geo.K=K; geo.groups=G; geo.in=in; geo.k=k; geo.s=s; geo.p=p; geo.d=d;
  for (int a=0;a<3;++a) geo.out[a] = (in[a] + 2*p[a] - d[a]*(k[a]-1) - 1)/s[a] + 1;
  Dims D = make_dims(geo);
  std::mt19937 rng(1); std::uniform_real_distribution<float> u(-1,1);
  std::vector<float> x(N*C*D.in_sp), w(K*D.Cg*D.kvol), b(K), dy(N*K*D.out_sp);
  for (auto& v: x) v=u(rng); for (auto& v: w) v=u(rng); for (auto& v: b) v=u(rng); for (auto& v: dy) v=u(rng);
  std::vector<double> yr(N*K*D.out_sp,0), dxr(x.size(),0), dwr(w.size(),0);
  for (int n=0;n<N;++n) for (int kk=0;kk<K;++kk) { int g = kk / D.Kg;
    for (int64_t o=0;o<D.out_sp;++o) { int64_t oc[3]={o/(D.out[1]*D.out[2]), (o/D.out[2])%D.out[1], o%D.out[2]};
      double acc=b[kk];
      for (int cl=0; cl<D.Cg; ++cl) { int c=g*D.Cg+cl;
        for (int64_t t=0;t<D.kvol;++t) { int64_t tc[3]={t/(k[1]*k[2]),(t/k[2])%k[1],t%k[2]}; int64_t off=0; bool ok=true;
          for(int a=0;a<3;++a){ int64_t i=oc[a]*s[a]-p[a]+tc[a]*d[a]; if(i<0||i>=in[a]) ok=false; off=off*in[a]+i; }
          if(!ok) continue;
          int64_t xi=(n*C+c)*D.in_sp+off, wi=(kk*D.Cg+cl)*D.kvol+t, yi=(n*K+kk)*D.out_sp+o;
          acc += (double)w[wi]*x[xi];
          dxr[xi] += (double)w[wi]*dy[yi];
          dwr[wi] += (double)dy[yi]*x[xi];
        } }
      yr[(n*K+kk)*D.out_sp+o]=acc; } }
  std::vector<float> y(yr.size()), dx(x.size()), dw(w.size());
  emu<kFwd>(D, G, D.Kg, D.N*D.out_sp, D.Cg*D.kvol, w.data(), x.data(), b.data(), y.data());
  emu<kBwdData>(D, G, D.Cg, D.N*D.in_sp, D.Kg*D.kvol, w.data(), dy.data(), nullptr, dx.data());
  emu<kBwdWeight>(D, G, D.Kg, D.Cg*D.kvol, D.N*D.out_sp, dy.data(), x.data(), nullptr, dw.data());
  auto err=[](const std::vector<float>& a, const std::vector<double>& e){ double m=0; for(size_t i=0;i<a.size();++i) m=std::max(m, std::fabs(a[i]-e[i])/(1e-4+1e-4*std::fabs(e[i]))); return m; };
  double e1=err(y,yr), e2=err(dx,dxr), e3=err(dw,dwr);
  printf("N%d C%d K%d G%d in %ld,%ld,%ld k %ld,%ld,%ld s %ld,%ld,%ld p %ld,%ld,%ld d %ld,%ld,%ld: fwd %.3g bwd-data %.3g bwd-weight %.3g %s\n", N,C,K,G,in[0],in[1],in[2],k[0],k[1],k[2],s[0],s[1],s[2],p[0],p[1],p[2],d[0],d[1],d[2],e1,e2,e3, (e1<=1&&e2<=1&&e3<=1)?"OK":"FAIL");
  return e1<=1&&e2<=1&&e3<=1 ? 0 : 1;
}

int main() {
  int bad=0;
  bad+=check(2,4,8,{6,7,8},{3,3,3},{1,1,1},{1,1,1},{1,1,1},1);
  bad+=check(1,3,5,{9,9,9},{3,3,3},{2,2,2},{1,1,1},{1,1,1},1);
  bad+=check(1,4,6,{8,8,8},{3,3,3},{1,1,1},{2,2,2},{2,2,2},2);
  bad+=check(2,16,8,{6,6,6},{1,1,1},{2,2,2},{0,0,0},{1,1,1},1);
  bad+=check(1,2,3,{5,9,11},{1,3,5},{1,2,3},{0,1,2},{1,1,1},1);
  bad+=check(1,6,6,{5,6,7},{3,3,3},{2,1,3},{1,2,0},{1,2,1},3);
  bad+=check(2,20,70,{5,6,7},{3,3,3},{1,1,1},{1,1,1},{1,1,1},1);  // several tiles in M, N and R
  printf(bad? "FAILURES %d\n":"all OK\n", bad);
  return bad;
}
