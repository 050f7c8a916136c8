//! The MLSpace app fingerprints each large source once per synthesis, in the background: the
//! Lambda code (used by the core and web-tier stacks, and through them every API stack) and the
//! web app's build are named ahead and their plans are taken from that prefetch.

mod common;

use mlspace_cdk::cdk::assets::{plan, AssetOptions, AssetSource};
use mlspace_cdk::cdk::toolkit::invocation;
use mlspace_cdk::cdk::App;
use mlspace_cdk::mlspace::app::{build, lambda_code, Ctx};

#[test]
fn large_sources_are_fingerprinted_once_ahead_of_their_stacks() {
    let tree = common::example_tree(None);
    let loaded = mlspace_cdk::config::load(tree.path()).unwrap();
    let inputs = mlspace_cdk::mlspace::plan::Inputs::fake();
    let ctx = Ctx {
        cfg: &loaded.config,
        env: mlspace_cdk::cdk::Environment {
            account: loaded.config.aws_account.clone(),
            region: loaded.config.aws_region.clone(),
        },
        source_root: tree.path().to_path_buf(),
        inputs: &inputs,
    };
    let context = invocation(tree.path(), None, &|_| None).unwrap().context;
    let mut app = App::new(context);
    build(&mut app, &ctx).unwrap();

    // Core and web tier take the Lambda code's prefetch and plan, the frontend deployment the
    // build folder's prefetch: nothing large was fingerprinted in the foreground.
    assert_eq!(app.asset_plans.reused(), 3, "{:?}", app.asset_plans);

    // What the app got is what planning the source directly gives.
    let direct = plan(ctx.lambda_source(), &AssetOptions::default()).unwrap();
    assert_eq!(lambda_code(&mut app, &ctx).unwrap(), direct);
    let frontend = AssetSource::Directory(ctx.frontend_build());
    assert_eq!(
        app.asset_plans
            .plan(frontend.clone(), &AssetOptions::default())
            .unwrap(),
        plan(frontend, &AssetOptions::default()).unwrap()
    );
}
