// Host emulation of broadcast.cuh's index math (forward offsets, the gradient plans of both
// operands for add and mul) against naive broadcasting. Runs without a GPU: native/test/cuda_emu/run.sh.
#include "cuda/broadcast.cuh"
#include <cstdio>
#include <vector>
#include <cmath>
using namespace deepsc;
using namespace deepsc::cuda;

Shape bshape(const Shape& a, const Shape& b) {
  int r = std::max(a.rank(), b.rank()); std::vector<int64_t> d(r);
  for (int i = 0; i < r; ++i) { int ia = a.rank()-r+i, ib = b.rank()-r+i; int64_t ea = ia>=0?a[ia]:1, eb = ib>=0?b[ib]:1; d[i] = ea==1?eb:ea; }
  return Shape(d);
}
// naive: offset of out index i into operand s
int64_t off(const Shape& out, const Shape& s, int64_t i) {
  int r = out.rank(); int64_t o = 0, mul = 1;
  for (int d = r-1; d >= 0; --d) { int64_t c = i % out[d]; i /= out[d]; int j = s.rank()-r+d; if (j>=0) { int64_t e = s[j]; o += (e==1?0:c)*mul; mul *= e; } }
  return o;
}
int check(Shape a, Shape b) {
  Shape out = bshape(a, b);
  int64_t n = out.size(), na = a.size(), nb = b.size();
  std::vector<float> A(na), B(nb), G(n);
  for (int64_t i=0;i<na;++i) A[i]=std::sin(i*1.3+0.2); for (int64_t i=0;i<nb;++i) B[i]=std::cos(i*0.7+0.1); for (int64_t i=0;i<n;++i) G[i]=std::sin(i*0.37+1);
  Box box = make_box(out, a, b);
  double worst = 0;
  std::vector<double> ra[2] = {std::vector<double>(na,0), std::vector<double>(nb,0)};  // mul grads
  std::vector<double> rs[2] = {std::vector<double>(na,0), std::vector<double>(nb,0)};  // add grads
  for (int64_t i=0;i<n;++i) { int64_t oa, ob; box_offsets(box, i, &oa, &ob);
    if (oa != off(out,a,i) || ob != off(out,b,i)) { printf("fwd offset mismatch at %ld\n", i); return 1; }
    ra[0][oa] += (double)G[i]*B[ob]; ra[1][ob] += (double)G[i]*A[oa]; rs[0][oa] += G[i]; rs[1][ob] += G[i]; }
  for (int which=0; which<2; ++which) {
    const float* other = which==0 ? B.data() : A.data();
    int64_t nx = which==0?na:nb;
    GradPlan p = make_grad_plan(box, which);
    for (int mode=0; mode<2; ++mode) {  // 0 add, 1 mul
      std::vector<double> got(nx);
      if (p.reduce == 1 && mode == 0) { for (int64_t j=0;j<nx;++j) got[j]=G[j]; }
      else if (p.reduce == 1) { Box gb = grad_box(box, which); for (int64_t i=0;i<n;++i){int64_t o1,o2; box_offsets(gb,i,&o1,&o2); got[i]=(double)G[o1]*other[o2];} }
      else for (int64_t j=0;j<nx;++j) { int64_t bo, bt; grad_base(p,j,&bo,&bt); double acc=0; for (int64_t r=0;r<p.reduce;++r){int64_t oo,ot; grad_term(p,r,bo,bt,&oo,&ot); acc += mode? (double)G[oo]*other[ot] : G[oo];} got[j]=acc; }
      const auto& ref = mode ? ra[which] : rs[which];
      for (int64_t j=0;j<nx;++j) worst = std::max(worst, std::fabs(got[j]-ref[j])/(1e-9+1e-9*std::fabs(ref[j])));
    }
  }
  printf("%s + %s -> %s: worst %.3g %s\n", a.str().c_str(), b.str().c_str(), out.str().c_str(), worst, worst<=1?"OK":"FAIL");
  return worst<=1?0:1;
}
int main() {
  int bad=0;
  bad+=check({2,3,4,5},{2,3,4,5}); bad+=check({2,8,4,4,4},{1,8,1,1,1}); bad+=check({1,5},{4,1}); bad+=check({3,4,5},{5});
  bad+=check({2,3,4,5},{3,1,1}); bad+=check({5},{3,4,5}); bad+=check({2,1,4,4,4},{2,3,4,4,4}); bad+=check({1},{3,2}); bad+=check({2,1,3,1},{1,4,1,5});
  printf(bad?"FAILURES %d\n":"all OK\n", bad); return bad;
}
